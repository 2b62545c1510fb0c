import { hashSecret, newOpaqueToken } from '../oauth/secrets.js';

/** A sign-in link works once, within this time. */
export const SIGN_IN_LINK_LIFETIME_MS = 10 * 60_000;
/** A session lasts this long from its sign-in (the admin page's form tokens last as long). */
export const SESSION_LIFETIME_MS = 12 * 3600_000;
/** At most this many links and sessions are kept; the oldest goes first. */
const MAX_ENTRIES = 64;

/**
 * Who may use the admin page outside Home Assistant ingress: whoever holds a session, and a
 * session comes only from a one-time sign-in link, which only the data dir's owner can ask the
 * daemon for (`admin-link`, over the 0600 control socket). Kept in memory: a restart signs
 * everyone out. Only SHA-256 hashes of links and sessions are kept, as for tokens.
 */
export class AdminSessions {
  private readonly links = new Map<string, number>();
  private readonly sessions = new Map<string, number>();

  constructor(private readonly clock: () => number) {}

  /** A new one-time sign-in token (256 bits, base64url), valid for {@link SIGN_IN_LINK_LIFETIME_MS}. */
  newSignInToken(): { token: string; expiresAt: number } {
    const token = newOpaqueToken();
    const expiresAt = this.clock() + SIGN_IN_LINK_LIFETIME_MS;
    remember(this.links, hashSecret(token), expiresAt, this.clock());
    return { token, expiresAt };
  }

  /** Spends a sign-in token: a new session id (256 bits) if it was live and unused, `undefined` otherwise. */
  redeem(token: string): { session: string; expiresAt: number } | undefined {
    const hash = hashSecret(token);
    const expiresAt = this.links.get(hash);
    this.links.delete(hash);
    if (expiresAt === undefined || expiresAt <= this.clock()) return undefined;
    const session = newOpaqueToken();
    const sessionExpiresAt = this.clock() + SESSION_LIFETIME_MS;
    remember(this.sessions, hashSecret(session), sessionExpiresAt, this.clock());
    return { session, expiresAt: sessionExpiresAt };
  }

  isLive(session: string | undefined): boolean {
    if (!session) return false;
    const expiresAt = this.sessions.get(hashSecret(session));
    return expiresAt !== undefined && expiresAt > this.clock();
  }

  end(session: string | undefined): void {
    if (session) this.sessions.delete(hashSecret(session));
  }
}

/** Adds an entry after dropping expired ones and, past the cap, the oldest (Maps keep insertion order). */
function remember(entries: Map<string, number>, key: string, expiresAt: number, now: number): void {
  for (const [existing, until] of entries) if (until <= now) entries.delete(existing);
  while (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
  entries.set(key, expiresAt);
}
