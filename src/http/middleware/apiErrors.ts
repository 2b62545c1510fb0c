import type { Middleware } from 'koa';
import { OAuthError } from '../../oauth/errors.js';
import { StorageWriteError } from '../../storage/store.js';

/** Where an error's private detail is kept for the request log line. */
export interface ErrorLogState {
  errorDetail?: string;
}

/**
 * Renders every failure of a JSON endpoint as RFC 6749 §5.2 JSON. Body-parser errors
 * (413, 400, 415) keep their status; anything unexpected is a logged 500 with no detail.
 */
export const renderApiErrors: Middleware<ErrorLogState> = async (ctx, next) => {
  try {
    await next();
  } catch (caught) {
    const error = toOAuthError(caught);
    ctx.state.errorDetail = error.detail;
    ctx.status = error.status;
    ctx.set(error.headers);
    ctx.body = error.toJSON();
    if (error.status >= 500) ctx.app.emit('error', caught, ctx);
  }
};

/**
 * The client's side of the connection failed (it hung up, or sent bytes that are not HTTP):
 * nothing is wrong with the server, and there is usually nobody left to answer.
 */
export function isClientConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return (
    (typeof code === 'string' && (code.startsWith('HPE_') || ['ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE'].includes(code))) ||
    (error as Error).message === 'request aborted'
  );
}

export function toOAuthError(caught: unknown): OAuthError {
  if (caught instanceof OAuthError) return caught;
  if (isClientConnectionError(caught)) {
    return new OAuthError('invalid_request', 'the request could not be read', { status: 400, detail: String(caught) });
  }
  if (caught instanceof StorageWriteError) {
    return new OAuthError('temporarily_unavailable', 'the server could not save the change; try again shortly', {
      status: 503,
      detail: caught.message,
      headers: { 'Retry-After': '5' },
    });
  }
  const status = (caught as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new OAuthError('invalid_request', status === 413 ? 'the request body is too large' : 'the request could not be read', {
      status,
      detail: (caught as Error).message,
    });
  }
  return new OAuthError('server_error', 'the server hit an unexpected error', { status: 500, detail: String(caught) });
}
