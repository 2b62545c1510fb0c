import { RateLimiterMemory, type IRateLimiterOptions, type RateLimiterRes } from 'rate-limiter-flexible';

/**
 * How many keys one limiter remembers. Each costs a few hundred bytes (a record and a timer in
 * rate-limiter-flexible's memory store), so this caps a limiter near 10 MB whatever the traffic.
 * A key pushed out by newer ones starts afresh; to push out a blocked key an attacker needs this
 * many other addresses (IPv6 /64s) active at once.
 */
export const MAX_KEYS = 20_000;

type Key = string | number;

/**
 * rate-limiter-flexible's in-memory limiter with a bound on how many keys it remembers: once
 * `maxKeys` are held, the key used least recently is forgotten (its record deleted). Without it,
 * every distinct address is kept for the whole window (a day for sign-ins): 200,000 addresses
 * took the daemon from 88 to 343 MiB.
 */
export class BoundedRateLimiter extends RateLimiterMemory {
  /** Keys in order of last use, oldest first (a Map keeps insertion order). */
  private readonly recent = new Map<Key, true>();

  constructor(
    options: IRateLimiterOptions,
    private readonly maxKeys = MAX_KEYS,
  ) {
    super(options);
  }

  /** How many keys are remembered now (for tests and `bench`). */
  get size(): number {
    return this.recent.size;
  }

  override consume(key: Key, points?: number, options?: { [key: string]: unknown }): Promise<RateLimiterRes> {
    this.touch(key);
    return super.consume(key, points, options);
  }

  override penalty(key: Key, points?: number, options?: { [key: string]: unknown }): Promise<RateLimiterRes> {
    this.touch(key);
    return super.penalty(key, points, options);
  }

  override block(key: Key, secDuration: number, options?: { [key: string]: unknown }): Promise<RateLimiterRes> {
    this.touch(key);
    return super.block(key, secDuration, options);
  }

  override set(key: Key, points: number, secDuration: number, options?: { [key: string]: unknown }): Promise<RateLimiterRes> {
    this.touch(key);
    return super.set(key, points, secDuration, options);
  }

  override delete(key: Key, options?: { [key: string]: unknown }): Promise<boolean> {
    this.recent.delete(key);
    return super.delete(key, options);
  }

  private touch(key: Key): void {
    this.recent.delete(key);
    this.recent.set(key, true);
    while (this.recent.size > this.maxKeys) {
      const oldest = this.recent.keys().next().value as Key;
      this.recent.delete(oldest);
      void super.delete(oldest);
    }
  }
}
