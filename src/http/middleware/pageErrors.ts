import type { Middleware } from 'koa';
import { sendErrorPage } from '../htmlResponses.js';
import { toOAuthError } from './apiErrors.js';
import type { RequestLogState } from './requestLog.js';

/** The HTML twin of renderApiErrors, for the page a person sees: same statuses, no JSON. */
export const renderPageErrors: Middleware<RequestLogState> = async (ctx, next) => {
  try {
    await next();
  } catch (caught) {
    const error = toOAuthError(caught);
    ctx.state.errorDetail = error.detail;
    sendErrorPage(ctx, error.status, 'Something went wrong', `The request could not be handled: ${error.description}.`);
    if (error.status >= 500) ctx.app.emit('error', caught, ctx);
  }
};
