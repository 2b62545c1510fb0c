import { newOpaqueToken } from '../oauth/secrets.js';

/** A new secret waits this long for the page that shows it. */
const REVEAL_LIFETIME_MS = 10 * 60_000;
const MAX_REVEALS = 32;

/**
 * A value shown once on the page a post redirects to (post/redirect/get): the post leaves it
 * here under a random id, the GET that shows it takes it away, so a reload shows it no more and
 * posts nothing again. Bound to the viewer who posted; kept in memory only.
 */
export class OneTimeReveals<T> {
  private readonly entries = new Map<string, { viewer: string; value: T; expiresAt: number }>();

  constructor(private readonly clock: () => number) {}

  /** Keeps `value` for `viewer`; returns the id (256 bits, base64url) the redirect carries. */
  put(viewer: string, value: T): string {
    const now = this.clock();
    for (const [id, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(id);
    while (this.entries.size >= MAX_REVEALS) this.entries.delete(this.entries.keys().next().value!);
    const id = newOpaqueToken();
    this.entries.set(id, { viewer, value, expiresAt: now + REVEAL_LIFETIME_MS });
    return id;
  }

  /** The value, once, for the viewer who left it; `undefined` after that, after 10 minutes, or for anyone else. */
  take(viewer: string, id: string): T | undefined {
    const entry = this.entries.get(id);
    if (!entry || entry.viewer !== viewer) return undefined;
    this.entries.delete(id);
    return entry.expiresAt > this.clock() ? entry.value : undefined;
  }
}
