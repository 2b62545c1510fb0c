import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../context.js';
import { writeFileDurably, type FileIo } from '../storage/atomicWrite.js';
import type { Store } from '../storage/store.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

/** The wall clock may run this far past the last time the data dir saw before upkeep doubts it (a week's downtime passes). */
export const FORWARD_LIMIT_MS = 7 * DAY;
/** While running, the wall clock may drift this far from the steady clock before it counts as a jump. */
const JUMP_MS = 10 * MINUTE;
/** A doubted clock is believed again once it has kept pace with the steady clock this long. */
export const TRUST_AFTER_MS = DAY;

/** `clock.json` in the data dir: the latest wall-clock time upkeep believed. */
const FILE = 'clock.json';

/**
 * Why a wall-clock reading `now` is doubted against the last time the data dir saw, if it is:
 * shared by upkeep and `doctor`.
 */
export function forwardJumpDoubt(lastSeen: number | undefined, now: number): string | undefined {
  if (lastSeen === undefined || now - lastSeen <= FORWARD_LIMIT_MS) return undefined;
  const days = Math.round((now - lastSeen) / DAY);
  return `the clock reads ${new Date(now).toISOString()}, ${days} days after anything this data dir saw (${new Date(lastSeen).toISOString()})`;
}

/** The last time this data dir saw: `clock.json`, or (before it existed) the newest time any record holds. */
export async function lastSeenTime(dataDir: string, store?: Store): Promise<number | undefined> {
  try {
    const saved = JSON.parse(await readFile(join(dataDir, FILE), 'utf8')) as { lastSeen?: unknown };
    if (typeof saved.lastSeen === 'number') return saved.lastSeen;
  } catch {
    // No file yet (a new data dir, or one from before it existed), or a damaged one: the records tell.
  }
  if (!store) return undefined;
  let newest: number | undefined;
  const see = (time: number | undefined) => {
    if (time !== undefined && (newest === undefined || time > newest)) newest = time;
  };
  for (const grant of store.grants.values()) {
    see(grant.createdAt);
    see(grant.lastRefreshAt);
    see(grant.revokedAt);
  }
  for (const code of store.codes.values()) see(code.issuedAt);
  for (const client of store.clients.values()) see(client.updatedAt);
  return newest;
}

/**
 * Whether the wall clock can be trusted to destroy data by. Upkeep deletes links, codes and flow
 * records by their age; a clock that jumped (a bad NTP answer, a board without a real-time clock)
 * would make it delete every link at once. The clock is doubted when it reads more than a week
 * past the last time the data dir saw (persisted in `clock.json`), or when, while running, it
 * drifts from the steady clock by more than ten minutes. A doubted clock is believed again after
 * it has kept pace with the steady clock for a day (a real long downtime: upkeep then catches up).
 */
export class ClockWatch {
  private baseWall: number;
  private baseSteady: number | undefined;
  /** When the doubt began, on the steady clock (or the wall clock without one). */
  private doubtSince: number | undefined;
  private reason: string | undefined;

  private constructor(
    private readonly dataDir: string,
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly steady: (() => number) | undefined,
    private readonly io: FileIo | undefined,
    private lastSeen: number | undefined,
  ) {
    this.baseWall = clock();
    this.baseSteady = steady?.();
    this.reason = forwardJumpDoubt(lastSeen, this.baseWall);
    if (this.reason) this.doubtSince = this.elapsedMark();
  }

  /** `steady` is a monotonic clock in ms (performance.now); tests that move the wall clock on purpose pass none. */
  static async open(dataDir: string, store: Store, clock: Clock, steady?: () => number, io?: FileIo): Promise<ClockWatch> {
    return new ClockWatch(dataDir, store, clock, steady, io, await lastSeenTime(dataDir, store));
  }

  /** Why the clock is doubted now, or undefined when it is believed. */
  doubt(): string | undefined {
    const now = this.clock();
    if (this.steady && this.baseSteady !== undefined) {
      const drift = now - this.baseWall - (this.steady() - this.baseSteady);
      if (Math.abs(drift) > JUMP_MS) {
        this.reason = `the clock jumped ${drift > 0 ? 'forward' : 'back'} by ${Math.round(Math.abs(drift) / MINUTE)} minutes while the daemon ran`;
        this.doubtSince = this.elapsedMark();
        this.baseWall = now;
        this.baseSteady = this.steady();
      }
    }
    if (this.reason && this.doubtSince !== undefined && this.elapsedMark() - this.doubtSince >= TRUST_AFTER_MS) {
      this.reason = undefined;
      this.doubtSince = undefined;
    }
    return this.reason;
  }

  /**
   * Upkeep ran on a believed clock: remembers this time as seen (never earlier than before). A
   * store with no links and no codes has nothing a jump could destroy, and is left unwritten.
   */
  async record(): Promise<void> {
    if (this.store.grants.size === 0 && this.store.codes.size === 0) return;
    const now = this.clock();
    if (this.lastSeen !== undefined && now < this.lastSeen) return;
    await writeFileDurably(join(this.dataDir, FILE), `${JSON.stringify({ lastSeen: now, at: new Date(now).toISOString() })}\n`, this.io);
    this.lastSeen = now;
  }

  private elapsedMark(): number {
    return this.steady ? this.steady() : this.clock();
  }
}
