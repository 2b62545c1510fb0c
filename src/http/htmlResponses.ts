import type { Context } from 'koa';
import { pickLanguage } from '../i18n/language.js';
import { translator, type Message, type Translator } from '../i18n/translate.js';
import { renderErrorPage } from '../views/errorPage.js';
import { STYLE_HASH } from '../views/html.js';

/**
 * CSP for a server-rendered page: only the inline stylesheet may load; no framing, no `<base>`.
 * `formAction` (a CSP source list) limits where forms may post; left out, the directive is left
 * out too (see the consent page in routes/authorize.ts for why it must be).
 */
export function pagePolicy(formAction?: string): string {
  const forms = formAction === undefined ? '' : `form-action ${formAction}; `;
  return `default-src 'none'; style-src ${STYLE_HASH}; ${forms}frame-ancestors 'none'; base-uri 'none'`;
}

/** Set by a route whose request belongs to an authorization attempt: the error page's reference. */
export interface FlowReferenceState {
  flowId?: string;
}

/** The person's language, from Accept-Language; the answer varies with it. */
export function pageTranslator(ctx: Context): Translator {
  ctx.vary('Accept-Language');
  return translator(pickLanguage(ctx.get('accept-language') || undefined));
}

/**
 * An HTML error page in the person's language, never cached, carrying as the reference to look
 * up the flow id (the admin finds the whole attempt), else the request id (its log line).
 */
export function sendErrorPage(ctx: Context, status: number, title: Message, text: Message): void {
  ctx.status = status;
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Content-Security-Policy', pagePolicy("'none'"));
  ctx.type = 'html';
  const reference = (ctx.state['flowId'] ?? ctx.state['requestId']) as string | undefined;
  ctx.body = renderErrorPage(pageTranslator(ctx), title, text, reference);
}
