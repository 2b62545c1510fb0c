import type { BridgeContext } from '../context.js';
import type { ClientRecord } from '../storage/records.js';
import { OAuthError, type FailureReason } from './errors.js';
import type { OAuthParams } from './params.js';
import { isValidChallenge } from './pkce.js';
import { formatScope, parseScope, scopesOutside } from './scope.js';

/** A checked authorization request (RFC 6749 §4.1.1 with RFC 7636). */
export interface AuthorizeRequest {
  client: ClientRecord;
  redirectUri: string;
  state: string | undefined;
  scope: string;
  codeChallenge: string | undefined;
}

/** Why the client or redirect URI of an authorization request cannot be trusted: what the person is told. */
export type UntrustedRequest =
  | { problem: 'repeated'; name: 'client_id' | 'redirect_uri' }
  | { problem: 'missing'; name: 'client_id' | 'redirect_uri' }
  | { problem: 'unknown-client'; clientId: string }
  | { problem: 'backend-client'; clientId: string }
  | { problem: 'redirect-uri-not-registered'; client: ClientRecord; redirectUri: string };

/** Whom the answer to an authorization request goes to. */
export type AuthorizeCheck =
  /** The client or redirect URI cannot be trusted: tell the person, never redirect (RFC 6749 §4.1.2.1). */
  | { outcome: 'show-error'; untrusted: UntrustedRequest; detail: string; reason?: FailureReason }
  /** Everything else goes back to the client. */
  | { outcome: 'redirect-error'; redirectUri: string; state: string | undefined; error: OAuthError }
  | { outcome: 'ok'; request: AuthorizeRequest };

/**
 * The longest `state` accepted, in bytes once percent-encoded into the redirect's Location, the
 * form that counts for a proxy's header buffer: a state of `&`, `%` or non-ASCII characters grows
 * up to twelvefold there. Amazon's states are a few hundred URL-safe characters. With the redirect
 * URI (MAX_REDIRECT_URI_LENGTH) and the public URL (at most 256 characters) this keeps every
 * authorization response's Location under 4 KB; the shipped nginx config's proxy_buffer_size
 * (16k) holds it with the other headers, so no accepted request ends in nginx's 502.
 */
export const MAX_STATE_ENCODED_LENGTH = 2048;

/** The length `value` takes as a query parameter's value, encoded as the redirect encodes it. */
function encodedLength(value: string): number {
  return new URLSearchParams({ s: value }).toString().length - 2;
}

export function checkAuthorizeRequest(context: BridgeContext, params: OAuthParams): AuthorizeCheck {
  const trusted = checkClientAndRedirect(context, params);
  if ('outcome' in trusted) return trusted;
  const { client, redirectUri } = trusted;
  const state = params.get('state');
  // A state too long to echo would make a redirect that proxies refuse (see MAX_STATE_ENCODED_LENGTH).
  // The length check comes first: a megabyte of state is not worth encoding.
  const echoable =
    state !== undefined && state.length <= MAX_STATE_ENCODED_LENGTH && encodedLength(state) <= MAX_STATE_ENCODED_LENGTH && !params.repeated.includes('state');
  try {
    if (state !== undefined && !echoable) {
      throw new OAuthError('invalid_request', `state must be at most ${MAX_STATE_ENCODED_LENGTH} bytes once URL-encoded`);
    }
    return { outcome: 'ok', request: { client, redirectUri, state, ...checkRest(client, params) } };
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
    return { outcome: 'redirect-error', redirectUri, state: echoable ? state : undefined, error };
  }
}

function checkClientAndRedirect(
  context: BridgeContext,
  params: OAuthParams,
): { client: ClientRecord; redirectUri: string } | Extract<AuthorizeCheck, { outcome: 'show-error' }> {
  for (const name of ['client_id', 'redirect_uri'] as const) {
    if (params.repeated.includes(name)) return showError({ problem: 'repeated', name }, `repeated ${name}`);
  }
  const clientId = params.get('client_id');
  if (!clientId) return showError({ problem: 'missing', name: 'client_id' }, 'missing client_id');
  const client = context.store.clients.get(clientId);
  if (!client) return showError({ problem: 'unknown-client', clientId }, `unknown client_id ${clientId}`, 'unknown_client');
  if (client.backendFor) {
    return showError({ problem: 'backend-client', clientId }, `${clientId} is a backend client and cannot run the authorization flow`);
  }
  const redirectUri = params.get('redirect_uri');
  if (!redirectUri) return showError({ problem: 'missing', name: 'redirect_uri' }, `missing redirect_uri for ${clientId}`);
  // RFC 9700 §4.1.3: exact string comparison, no normalisation of slashes, case or query.
  if (!client.redirectUris.includes(redirectUri)) {
    return showError(
      { problem: 'redirect-uri-not-registered', client, redirectUri },
      `redirect_uri ${redirectUri} not registered for ${clientId}`,
      'redirect_uri_not_registered',
    );
  }
  return { client, redirectUri };
}

function checkRest(client: ClientRecord, params: OAuthParams): Pick<AuthorizeRequest, 'scope' | 'codeChallenge'> {
  if (params.repeated.length > 0) {
    throw new OAuthError('invalid_request', `parameter ${params.repeated[0]} must not be repeated`);
  }
  const responseType = params.get('response_type');
  if (responseType === undefined) throw new OAuthError('invalid_request', 'response_type is required');
  if (responseType !== 'code') {
    throw new OAuthError('unsupported_response_type', 'only response_type=code is supported');
  }
  const requested = parseScope(params.get('scope') ?? '');
  const outside = scopesOutside(requested, client.scopes);
  if (outside.length > 0) {
    throw new OAuthError('invalid_scope', `scope not allowed for this client: ${outside.join(' ')}`, {
      detail: `client ${client.id} may ask for: ${client.scopes.join(' ')}`,
      reason: 'scope_not_allowed',
    });
  }
  const codeChallenge = checkPkce(client, params);
  // No scope asked: the client's registered scopes are the default (RFC 6749 §3.3).
  return { scope: formatScope(requested.length > 0 ? requested : client.scopes), codeChallenge };
}

function checkPkce(client: ClientRecord, params: OAuthParams): string | undefined {
  const challenge = params.get('code_challenge');
  const method = params.get('code_challenge_method');
  if (challenge === undefined) {
    if (method !== undefined) throw new OAuthError('invalid_request', 'code_challenge_method without code_challenge');
    // RFC 9700 §2.1.1: a public client cannot prove who it is, so PKCE is its proof.
    if (client.public) throw new OAuthError('invalid_request', 'code_challenge is required for a public client', { reason: 'pkce_required' });
    return undefined;
  }
  // RFC 7636 §4.3 defaults to plain; plain protects nothing once the challenge leaks, so S256 only.
  if (method !== 'S256') {
    throw new OAuthError('invalid_request', 'code_challenge_method must be S256', {
      detail: `code_challenge_method was ${method ?? 'absent (plain by default)'}`,
      reason: 'pkce_method_not_s256',
    });
  }
  if (!isValidChallenge(challenge)) {
    throw new OAuthError('invalid_request', 'code_challenge must be 43 base64url characters (S256)', { reason: 'pkce_challenge_malformed' });
  }
  return challenge;
}

function showError(untrusted: UntrustedRequest, detail: string, reason?: FailureReason): Extract<AuthorizeCheck, { outcome: 'show-error' }> {
  return { outcome: 'show-error', untrusted, detail, ...(reason ? { reason } : {}) };
}
