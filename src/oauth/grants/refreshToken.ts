import type { BridgeContext } from '../../context.js';
import type { GrantRecord } from '../../storage/records.js';
import { OAuthError } from '../errors.js';
import { formatScope, parseScope, scopesOutside } from '../scope.js';
import { hashSecret } from '../secrets.js';
import { keptAccessTokens, mintTokens, type TokenResponse } from '../tokens.js';
import type { GrantHandler } from './grantType.js';

/** How many rotated refresh tokens a grant remembers, to tell a replay from a stranger's token. */
const RETIRED_KEPT = 5;

/**
 * RFC 6749 §6 with rotation (RFC 9700 §4.14.2): each use returns a new refresh token. A retry
 * of the token just rotated, within the grace, gets a fresh pair, because Alexa retries when a
 * response is lost; any other reuse means the token leaked, and the whole grant is revoked.
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
  const scope = narrowedScope(grant, requested);
  if (found!.kind === 'refresh') {
    if (grant.refreshToken.expiresAt <= now) {
      throw new OAuthError('invalid_grant', 'the refresh token has expired', {
        detail: `grant ${grant.id} idle since ${new Date(grant.lastRefreshAt ?? grant.createdAt).toISOString()}`,
        reason: 'refresh_token_expired',
      });
    }
    return rotate(context, grant, scope, now);
  }
  const retired = grant.retiredRefreshTokens.find((token) => token.hash === hash)!;
  // Each retired token has its own window from its rotation; a grace of 0 allows no retry at all.
  if (now - retired.rotatedAt < context.config.refreshGrace * 1000) return rotate(context, grant, scope, now);
  context.store.grants.put({ ...grant, revokedAt: now, revokedReason: 'a rotated refresh token was used again' });
  await context.store.commit(context.store.grantsFile);
  throw new OAuthError('invalid_grant', 'the refresh token was already used; the grant is revoked', {
    detail: `grant ${grant.id}: token rotated ${Math.round((now - retired.rotatedAt) / 1000)} s ago, grace ${context.config.refreshGrace} s`,
    reason: 'refresh_token_reused',
  });
};

/** RFC 6749 §6: a refresh may ask for less scope than was granted, never more. */
function narrowedScope(grant: GrantRecord, requested: string | undefined): string {
  if (requested === undefined) return grant.scope;
  const tokens = parseScope(requested);
  const outside = scopesOutside(tokens, parseScope(grant.scope));
  if (outside.length > 0) throw new OAuthError('invalid_scope', `scope not granted: ${outside.join(' ')}`, { reason: 'scope_not_granted' });
  return formatScope(tokens);
}

async function rotate(context: BridgeContext, grant: GrantRecord, scope: string, now: number): Promise<TokenResponse> {
  const tokens = mintTokens(context.config, now, scope);
  context.store.grants.put({
    ...grant,
    lastRefreshAt: now,
    refreshCount: grant.refreshCount + 1,
    accessTokens: keptAccessTokens(grant, tokens.access, now),
    refreshToken: tokens.refresh,
    retiredRefreshTokens: [{ hash: grant.refreshToken.hash, rotatedAt: now }, ...grant.retiredRefreshTokens].slice(0, RETIRED_KEPT),
  });
  await context.store.commit(context.store.grantsFile);
  return tokens.response;
}
