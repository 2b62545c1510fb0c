import type { BridgeContext } from '../context.js';
import { linkExpiresAt } from '../storage/records.js';

const DAY_MS = 86_400_000;
/** A used or expired code is kept a day after it expires, so a late replay is still recognised. */
const CODE_KEPT_MS = DAY_MS;
/** A revoked or expired grant is kept 30 days, so `grant list` and diagnostics can still explain it. */
const ENDED_GRANT_KEPT_MS = 30 * DAY_MS;

/** Removes expired codes and long-ended grants; returns how many of each went. */
export async function purgeExpired(context: BridgeContext): Promise<{ codes: number; grants: number }> {
  const now = context.clock();
  const { store } = context;
  let codes = 0;
  for (const code of [...store.codes.values()]) {
    if (code.expiresAt + CODE_KEPT_MS <= now && store.codes.delete(code.hash)) codes++;
  }
  let grants = 0;
  for (const grant of [...store.grants.values()]) {
    const expiresAt = linkExpiresAt(grant);
    const endedAt = grant.revokedAt ?? (expiresAt <= now ? expiresAt : undefined);
    if (endedAt !== undefined && endedAt + ENDED_GRANT_KEPT_MS <= now && store.grants.delete(grant.id)) grants++;
  }
  if (codes + grants > 0) await store.commit(store.codes, store.grants);
  return { codes, grants };
}
