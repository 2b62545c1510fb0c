import type { Middleware } from 'koa';
import { message } from '../../i18n/translate.js';
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
    sendErrorPage(ctx, error.status, message('error.unexpected.title'), message('error.unexpected.text', { description: error.description }));
    if (error.status >= 500) ctx.app.emit('error', caught, ctx);
  }
};
