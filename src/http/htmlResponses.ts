import type { Context } from 'koa';
import { renderErrorPage } from '../views/errorPage.js';
import { STYLE_HASH } from '../views/html.js';

/** CSP for a server-rendered page; only the inline stylesheet may load, forms only where given. */
export function pagePolicy(formAction: string): string {
  return `default-src 'none'; style-src ${STYLE_HASH}; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`;
}

/** An HTML error page, never cached, carrying the request id as the reference to look up. */
export function sendErrorPage(ctx: Context, status: number, title: string, message: string): void {
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Content-Security-Policy', pagePolicy("'none'"));
  ctx.type = 'html';
  ctx.body = renderErrorPage(title, message, ctx.state['requestId'] as string | undefined);
}
