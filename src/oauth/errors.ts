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
  | 'unsupported_token_type';

export interface OAuthErrorOptions {
  /** HTTP status; 400 unless said otherwise (RFC 6749 §5.2). */
  status?: number;
  /** What happened, for the log and the admin only: may name secrets' owners, never secrets. */
  detail?: string;
  headers?: Record<string, string>;
}

/**
 * One error type for every OAuth failure: the public code and description go to the client,
 * the detail only to the log.
 */
export class OAuthError extends Error {
  readonly status: number;
  readonly detail: string | undefined;
  readonly headers: Record<string, string>;

  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    options: OAuthErrorOptions = {},
  ) {
    super(`${code}: ${description}`);
    this.status = options.status ?? 400;
    this.detail = options.detail;
    this.headers = options.headers ?? {};
  }

  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.code, error_description: this.description };
  }
}
