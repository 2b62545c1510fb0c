import type { CodeRecord, GrantRecord } from '../storage/records.js';
import type { TokenKind } from '../storage/tokenIndex.js';

/** The endpoints a client calls with its credentials: RFC 6749 §3.2, RFC 7009 §2, RFC 7662 §2. */
export type ClientEndpoint = 'token' | 'revocation' | 'introspection';

/** The grant types the token endpoint serves (RFC 6749 §4.1.3, §6); anything else is unsupported (§5.2). */
export type SupportedGrantType = 'authorization_code' | 'refresh_token';

/** How a client tried to authenticate (RFC 6749 §2.3, RFC 8414 token_endpoint_auth_methods). */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

/**
 * The shape of an Authorization header that is not usable HTTP Basic (RFC 7617 §2): what a person
 * may read about it. Its content is a credential and is never kept or shown.
 */
export type AuthorizationShape =
  | 'other-scheme'
  | 'basic-without-value'
  | 'basic-without-space'
  | 'basic-with-tab'
  | 'plain-id-secret'
  | 'not-base64'
  | 'no-colon';

/**
 * What the OAuth core established while answering one request at a client endpoint, filled in as
 * the request goes (like node-oidc-provider's `ctx.oidc.entities`): the client as client
 * authentication decoded it, the records it looked at, the parameters it checked. Observers
 * (src/diagnostics/) read it after the answer is decided; nothing in it changes the answer.
 *
 * Memory only. `presentedSecret` is there so an observer can hash it against registered
 * secrets; it is never written, logged or shown.
 */
export interface ClientRequestFacts {
  readonly endpoint: ClientEndpoint;
  /** RFC 6749 §4.1.3 / §6; only a grant type this server serves. */
  grantType?: SupportedGrantType;
  /** The client id the request names, as client authentication read it (RFC 6749 §2.3.1 form-decoding applied). */
  clientId?: string;
  /** The client_id in the body when it differs from the HTTP Basic one. */
  bodyClientId?: string;
  authMethod?: ClientAuthMethod;
  authenticated: boolean;
  /** Set when an Authorization header was sent that is not usable HTTP Basic. */
  authorizationShape?: AuthorizationShape;
  /** The secret as sent (decoded), for hash comparisons only. */
  presentedSecret?: string;
  /** The code presented, as it was before this request changed it. */
  code?: CodeRecord;
  /** The grant of the refresh token (or of the token revoked or introspected), as it was before this request. */
  grant?: GrantRecord;
  /** Which of the grant's tokens was presented, and its hash (the token itself is never kept). */
  tokenKind?: TokenKind;
  tokenHash?: string;
  /** Parameters the grant checked, as it read them. */
  redirectUri?: string;
  codeVerifier?: string;
  requestedScope?: string;
  /** The request's Date header: the client's idea of now, when it sends one. */
  clientDate?: string;
  /** The grant a successful authorization_code exchange created. */
  createdGrantId?: string;
  /** Whether introspection found the token active. */
  active?: boolean;
}

export function newClientRequestFacts(endpoint: ClientEndpoint): ClientRequestFacts {
  return { endpoint, authenticated: false };
}
