import type { BridgeContext } from '../../context.js';
import type { GrantRecord, RefreshTokenRecord, RetiredRefreshToken } from '../../storage/records.js';
import { OAuthError } from '../errors.js';
import { formatScope, parseScope, scopesOutside } from '../scope.js';
import { hashSecret } from '../secrets.js';
import { keptAccessTokens, mintTokens, type TokenResponse } from '../tokens.js';
import type { GrantHandler } from './grantType.js';

/**
 * How many refresh tokens of one grant may be presented at once. Only concurrent refreshes with
 * the same token add more than two (the one presented and the one issued); those two are never
 * the ones dropped, so a client retrying after lost answers is never stranded.
 */
export const LIVE_REFRESH_TOKENS = 8;
/** How many retired refresh tokens a grant remembers, to tell reuse from a stranger's token. */
export const RETIRED_REFRESH_TOKENS = 8;

/**
 * RFC 6749 §6 with rotation: each refresh returns a new refresh token. The rule, from Amazon's
 * account-linking requirements (https://developer.amazon.com/docs/alexa/account-linking/requirements-account-linking.html,
 * Access token URI: do not invalidate the old refresh token the moment a new one is issued; Alexa
 * sends refreshes concurrently and retries when an answer is lost) and RFC 9700 §4.14.2 (a reused
 * refresh token revokes the grant):
 *
 * - a rotated refresh token stays valid until a refresh token issued after it has been used; time
 *   does not retire it, so whichever answer of concurrent or retried refreshes the client kept works;
 * - once a later one has been used, presenting an older one is reuse: `invalid_grant`, and the
 *   whole grant is revoked.
 *
 * Every change is durable (fsynced) before the answer leaves. The checks and the in-memory change
 * run without awaiting, so concurrent refreshes of one grant apply one after the other.
 */
export const refreshAccessToken: GrantHandler = async (context, client, params, facts) => {
  const presented = params.get('refresh_token');
  if (!presented) throw new OAuthError('invalid_request', 'refresh_token is required');
  const hash = hashSecret(presented);
  const found = context.store.findToken(hash);
  const grant = found && found.kind !== 'access' ? found.grant : undefined;
  const requested = params.get('scope');
  if (requested !== undefined) facts.requestedScope = requested;
  if (!grant) {
    throw new OAuthError('invalid_grant', 'the refresh token is invalid', { detail: 'no such refresh token', reason: 'refresh_token_unknown' });
  }
  if (grant.clientId !== client.id) {
    throw new OAuthError('invalid_grant', 'the refresh token was issued to another client', {
      detail: `grant ${grant.id} belongs to client ${grant.clientId}, presented by ${client.id}`,
      reason: 'refresh_token_client_mismatch',
    });
  }
  if (grant.revokedAt) {
    throw new OAuthError('invalid_grant', 'the refresh token has been revoked', {
      detail: `grant ${grant.id}: ${grant.revokedReason}`,
      reason: 'refresh_token_revoked',
    });
  }
  const now = context.clock();
  const live = grant.refreshTokens.find((token) => token.hash === hash);
  if (!live) return refuseRetired(context, grant, grant.retiredRefreshTokens.find((token) => token.hash === hash)!, now);
  if (live.expiresAt <= now) {
    throw new OAuthError('invalid_grant', 'the refresh token has expired', {
      detail: `grant ${grant.id} idle since ${new Date(grant.lastRefreshAt ?? grant.createdAt).toISOString()}`,
      reason: 'refresh_token_expired',
    });
  }
  const scope = narrowedScope(grant, requested);
  return rotate(context, grant, live, scope, now);
};

/** RFC 6749 §6: a refresh may ask for less scope than was granted, never more. */
function narrowedScope(grant: GrantRecord, requested: string | undefined): string {
  if (requested === undefined) return grant.scope;
  const tokens = parseScope(requested);
  const outside = scopesOutside(tokens, parseScope(grant.scope));
  if (outside.length > 0) throw new OAuthError('invalid_scope', `scope not granted: ${outside.join(' ')}`, { reason: 'scope_not_granted' });
  return formatScope(tokens);
}

/**
 * Uses `presented`: every older live token retires (its successor is now used), a new token is
 * issued, and the oldest unused others are dropped beyond LIVE_REFRESH_TOKENS.
 */
async function rotate(context: BridgeContext, grant: GrantRecord, presented: RefreshTokenRecord, scope: string, now: number): Promise<TokenResponse> {
  const refreshCount = grant.refreshCount + 1;
  const tokens = mintTokens(context.config, now, scope, refreshCount);
  const used: RefreshTokenRecord = { ...presented, usedAt: presented.usedAt ?? now };
  const retired: RetiredRefreshToken[] = [];
  let kept: RefreshTokenRecord[] = [];
  for (const token of grant.refreshTokens) {
    if (token.seq < presented.seq) retired.push(retire(token, now, 'successor-used', presented.seq));
    else kept.push(token.seq === presented.seq ? used : token);
  }
  kept.push(tokens.refresh);
  while (kept.length > LIVE_REFRESH_TOKENS) {
    const dropped = kept.find((token) => token.seq !== presented.seq && token.seq !== tokens.refresh.seq)!;
    retired.push(retire(dropped, now, 'superseded'));
    kept = kept.filter((token) => token !== dropped);
  }
  context.store.grants.put({
    ...grant,
    lastRefreshAt: now,
    refreshCount,
    accessTokens: keptAccessTokens(grant, tokens.access, now),
    refreshTokens: kept,
    retiredRefreshTokens: [...retired.reverse(), ...grant.retiredRefreshTokens].slice(0, RETIRED_REFRESH_TOKENS),
  });
  await context.store.commit(context.store.grants);
  return tokens.response;
}

function retire(token: RefreshTokenRecord, now: number, why: RetiredRefreshToken['why'], successorSeq?: number): RetiredRefreshToken {
  return {
    hash: token.hash,
    seq: token.seq,
    issuedAt: token.issuedAt,
    ...(token.usedAt !== undefined ? { usedAt: token.usedAt } : {}),
    retiredAt: now,
    why,
    ...(successorSeq !== undefined ? { successorSeq } : {}),
  };
}

/** A retired token: reuse revokes the grant (RFC 9700 §4.14.2); a superseded one is only refused. */
async function refuseRetired(context: BridgeContext, grant: GrantRecord, retired: RetiredRefreshToken, now: number): Promise<never> {
  if (retired.why === 'superseded') {
    throw new OAuthError('invalid_grant', 'the refresh token was replaced', {
      detail: `grant ${grant.id}: refresh token #${retired.seq} was dropped unused ${Math.round((now - retired.retiredAt) / 1000)} s ago, ${LIVE_REFRESH_TOKENS} newer ones being live`,
      reason: 'refresh_token_superseded',
    });
  }
  context.store.grants.put({ ...grant, revokedAt: now, revokedReason: `refresh token #${retired.seq} was used again after its successor #${retired.successorSeq} had been used` });
  await context.store.commit(context.store.grants);
  throw new OAuthError('invalid_grant', 'the refresh token was already used; the grant is revoked', {
    detail: `grant ${grant.id}: refresh token #${retired.seq} presented again; its successor #${retired.successorSeq} was used ${Math.round((now - retired.retiredAt) / 1000)} s ago`,
    reason: 'refresh_token_reused',
  });
}
