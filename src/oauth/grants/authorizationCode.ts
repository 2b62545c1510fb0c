import type { BridgeContext } from '../../context.js';
import type { ClientRecord, CodeRecord } from '../../storage/records.js';
import { formatDuration, listOf } from '../../text/prose.js';
import { OAuthError } from '../errors.js';
import type { ClientRequestFacts } from '../facts.js';
import type { OAuthParams } from '../params.js';
import { isValidVerifier, verifierMatches } from '../pkce.js';
import { explainMalformedVerifier, explainVerifierMismatch } from '../pkceMistakes.js';
import { redirectUriDifferences } from '../redirectUriDifferences.js';
import { hashSecret, newId } from '../secrets.js';
import { mintTokens, type TokenResponse } from '../tokens.js';
import type { GrantHandler } from './grantType.js';

/** RFC 6749 §4.1.3 with RFC 7636 §4.6 and OAuth 2.1 §4.1.3. */
export const exchangeAuthorizationCode: GrantHandler = async (context, client, params, facts) => {
  const code = params.get('code');
  if (!code) throw new OAuthError('invalid_request', 'code is required');
  const record = context.store.codes.get(hashSecret(code));
  if (!record) {
    throw new OAuthError('invalid_grant', 'the authorization code is invalid', { detail: 'no such code (never issued, or purged)', reason: 'code_unknown' });
  }
  checkBinding(record, client, params, facts);
  const now = context.clock();
  if (record.consumedAt !== undefined) return revokeReplayedCode(context, record, now);
  if (record.expiresAt <= now) {
    // The client proved who it is, so it may hear about the code it sent itself.
    throw new OAuthError('invalid_grant', `the authorization code has expired: expired ${formatDuration(now - record.expiresAt)} ago`, {
      detail: `code expired ${Math.round((now - record.expiresAt) / 1000)} s ago (lifetime ${context.config.codeTtl} s)`,
      reason: 'code_expired',
    });
  }
  const { response, grantId } = await createGrant(context, record, now);
  facts.createdGrantId = grantId;
  return response;
};

/**
 * Everything a code is bound to must match before its use counts: a request that gets one of
 * these wrong neither consumes the code nor revokes what it issued.
 */
function checkBinding(record: CodeRecord, client: ClientRecord, params: OAuthParams, facts: ClientRequestFacts): void {
  if (record.clientId !== client.id) {
    throw new OAuthError('invalid_grant', 'the authorization code was issued to another client', {
      detail: `code belongs to client ${record.clientId}, presented by ${client.id}`,
      reason: 'code_client_mismatch',
    });
  }
  const redirectUri = params.get('redirect_uri');
  if (redirectUri !== undefined) facts.redirectUri = redirectUri;
  // RFC 6749 §4.1.3: required, and identical, because the authorization request had it.
  if (redirectUri === undefined) {
    throw new OAuthError('invalid_request', 'redirect_uri is required: send the authorization request’s redirect_uri', { reason: 'redirect_uri_missing' });
  }
  if (redirectUri !== record.redirectUri) {
    const differences = redirectUriDifferences(redirectUri, record.redirectUri, 'the authorization request’s');
    throw new OAuthError('invalid_grant', `redirect_uri does not match the one used in the authorization request: ${listOf(differences)}`, {
      detail: `token request redirect_uri ${redirectUri}, authorization request ${record.redirectUri}`,
      reason: 'redirect_uri_mismatch',
    });
  }
  const verifier = params.get('code_verifier');
  if (verifier !== undefined) facts.codeVerifier = verifier;
  if (record.codeChallenge === undefined) {
    // RFC 9700 §2.1.1: a verifier without a challenge is a PKCE downgrade attempt.
    if (verifier !== undefined) {
      throw new OAuthError('invalid_grant', 'code_verifier sent, but the authorization request had no code_challenge', {
        reason: 'pkce_verifier_unexpected',
      });
    }
    // Issued while the client was confidential, redeemed after `client update --public`: with
    // neither a secret nor PKCE nothing would bind the code to the client (RFC 9700 §2.1.1).
    if (client.public) {
      throw new OAuthError('invalid_grant', 'the authorization code was issued without PKCE and the client is public now: link again', {
        reason: 'pkce_required',
      });
    }
    return;
  }
  if (verifier === undefined) {
    throw new OAuthError('invalid_grant', 'code_verifier is required (PKCE was used)', { reason: 'pkce_verifier_missing' });
  }
  if (!isValidVerifier(verifier)) {
    throw new OAuthError('invalid_grant', `code_verifier must be 43-128 characters of A-Z a-z 0-9 - . _ ~: ${explainMalformedVerifier(verifier)}`, {
      reason: 'pkce_verifier_malformed',
    });
  }
  if (!verifierMatches(verifier, record.codeChallenge)) {
    const mistake = explainVerifierMismatch(verifier, record.codeChallenge);
    throw new OAuthError('invalid_grant', `code_verifier does not match the code_challenge (S256)${mistake ? `: ${mistake}` : ''}`, { reason: 'pkce_mismatch' });
  }
}

/** RFC 6749 §4.1.2: a code used twice revokes every token issued from it. */
async function revokeReplayedCode(context: BridgeContext, record: CodeRecord, now: number): Promise<never> {
  const grant = record.grantId ? context.store.grants.get(record.grantId) : undefined;
  if (grant && !grant.revokedAt) {
    context.store.grants.put({ ...grant, revokedAt: now, revokedReason: 'authorization code was used a second time' });
    await context.store.commit(context.store.grants);
  }
  throw new OAuthError('invalid_grant', 'the authorization code was already used; the tokens issued from it are revoked', {
    detail: `code first used ${Math.round((now - record.consumedAt!) / 1000)} s ago for grant ${record.grantId}`,
    reason: 'code_reused',
  });
}

async function createGrant(context: BridgeContext, record: CodeRecord, now: number): Promise<{ response: TokenResponse; grantId: string }> {
  const tokens = mintTokens(context.config, now, record.scope, 0);
  const grantId = newId();
  // The code's consumption and the new grant go to disk in the same write.
  context.store.codes.put({ ...record, consumedAt: now, grantId });
  context.store.grants.put({
    id: grantId,
    clientId: record.clientId,
    username: record.username,
    scope: record.scope,
    createdAt: now,
    codeHash: record.hash,
    ...(record.flowId ? { flowId: record.flowId } : {}),
    refreshCount: 0,
    accessTokens: [tokens.access],
    refreshTokens: [tokens.refresh],
    retiredRefreshTokens: [],
  });
  await context.store.commit(context.store.codes, context.store.grants);
  return { response: tokens.response, grantId };
}
