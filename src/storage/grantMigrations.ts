import type { Migration } from './dataFile.js';
import type { RefreshTokenRecord, RetiredRefreshToken } from './records.js';

/** A grant as version 1 of grants.json stored it: one current refresh token, rotated ones beside it. */
interface GrantV1 {
  refreshCount: number;
  refreshToken: { hash: string; issuedAt: number; expiresAt: number };
  retiredRefreshTokens: { hash: string; rotatedAt: number }[];
  [field: string]: unknown;
}

/**
 * grants.json v1 → v2: refresh tokens stay valid until a later one is used (0.2), instead of for
 * a grace period after their rotation. Version 1 kept the current token and the rotated ones,
 * newest first. The current one becomes the newest live token; the one rotated last becomes live
 * too, since its successor (the current one) has not been used yet, so a client still holding it
 * (a lost answer, two refreshes at once) keeps working. Older ones retire as reused: each one's
 * successor was used when that successor was rotated. Times a v1 file did not keep (when a rotated
 * token was issued) are taken from the rotation before it, or the token's own rotation.
 */
export function grantsV1toV2(document: Record<string, unknown>): Record<string, unknown> {
  const grants = (document['grants'] ?? []) as GrantV1[];
  return { ...document, grants: grants.map(migrateGrant) };
}

function migrateGrant(grant: GrantV1): Record<string, unknown> {
  const { refreshToken, retiredRefreshTokens: rotated, ...rest } = grant;
  const lifetime = refreshToken.expiresAt - refreshToken.issuedAt;
  const current: RefreshTokenRecord = { ...refreshToken, seq: grant.refreshCount };
  const seqOf = (index: number) => grant.refreshCount - 1 - index;
  const issuedAtOf = (index: number) => rotated[index + 1]?.rotatedAt ?? rotated[index]!.rotatedAt;
  const refreshTokens: RefreshTokenRecord[] = [current];
  const last = rotated[0];
  if (last) {
    refreshTokens.unshift({ hash: last.hash, seq: seqOf(0), issuedAt: issuedAtOf(0), expiresAt: issuedAtOf(0) + lifetime, usedAt: last.rotatedAt });
  }
  const retired: RetiredRefreshToken[] = rotated.slice(1).map((token, i) => ({
    hash: token.hash,
    seq: seqOf(i + 1),
    issuedAt: issuedAtOf(i + 1),
    usedAt: token.rotatedAt,
    retiredAt: rotated[i]!.rotatedAt,
    why: 'successor-used',
    successorSeq: seqOf(i),
  }));
  return { ...rest, refreshTokens, retiredRefreshTokens: retired };
}

/** `migrations[n]` upgrades grants.json version n+1 to n+2 (see DataFile). */
export const GRANTS_MIGRATIONS: Migration[] = [grantsV1toV2];
