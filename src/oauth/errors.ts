/** RFC 6749 §4.1.2.1 / §5.2, RFC 7009 §2.2.1 and RFC 6750 error codes. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'unsupported_token_type'
  /** RFC 6750 §3.1: a bearer token that is expired, revoked or not usable here. */
  | 'invalid_token';

/**
 * Which check failed, named for src/diagnostics/ to explain in plain words (cause and fix).
 * Never sent to the client.
 */
export type FailureReason =
  | 'unknown_client'
  | 'redirect_uri_not_registered'
  | 'scope_not_allowed'
  | 'pkce_required'
  | 'pkce_method_not_s256'
  | 'pkce_challenge_malformed'
  | 'client_auth_missing'
  | 'client_auth_malformed'
  | 'client_auth_conflict'
  | 'client_secret_missing'
  | 'wrong_client_secret'
  | 'code_unknown'
  | 'code_client_mismatch'
  | 'redirect_uri_missing'
  | 'redirect_uri_mismatch'
  | 'pkce_verifier_missing'
  | 'pkce_verifier_unexpected'
  | 'pkce_verifier_malformed'
  | 'pkce_mismatch'
  | 'code_reused'
  | 'code_expired'
  | 'refresh_token_unknown'
  | 'refresh_token_client_mismatch'
  | 'refresh_token_revoked'
  | 'refresh_token_expired'
  | 'refresh_token_reused'
  | 'refresh_token_superseded'
  | 'scope_not_granted';

export interface OAuthErrorOptions {
  /** HTTP status; 400 unless said otherwise (RFC 6749 §5.2). */
  status?: number;
  /** What happened, for the log and the admin only: may name secrets' owners, never secrets. */
  detail?: string;
  headers?: Record<string, string>;
  reason?: FailureReason;
}

/**
 * One error type for every OAuth failure: the public code and description go to the client,
 * the detail only to the log.
 */
export class OAuthError extends Error {
  readonly status: number;
  readonly detail: string | undefined;
  readonly headers: Record<string, string>;
  readonly reason: FailureReason | undefined;

  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    options: OAuthErrorOptions = {},
  ) {
    super(`${code}: ${description}`);
    this.status = options.status ?? 400;
    this.detail = options.detail;
    this.headers = options.headers ?? {};
    this.reason = options.reason;
  }

  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.code, error_description: this.description };
  }
}
