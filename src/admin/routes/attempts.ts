import type { RouterMiddleware } from '@koa/router';
import type { Middleware } from 'koa';
import type { BridgeContext } from '../../context.js';
import { listAttempts, showAttempt } from '../../diagnostics/attemptViews.js';
import { renderAttemptPage, renderAttemptsPage } from '../../views/admin/attemptsPage.js';
import { href } from '../../views/admin/layout.js';
import { frameOf, sendPage, type AdminState } from '../state.js';

/** How many attempts the page shows. */
const FLOWS_SHOWN = 30;

/** GET /flows, and ?ref=… to look up the reference a person read off an error page. */
export function attemptsRoute(context: BridgeContext): Middleware<AdminState> {
  return async (ctx) => {
    const ref = typeof ctx.query['ref'] === 'string' ? ctx.query['ref'].trim() : '';
    if (ref && context.store.flows.get(ref)) {
      ctx.status = 303;
      ctx.redirect(href(frameOf(ctx), `/flows/${encodeURIComponent(ref)}`));
      return;
    }
    const notice = ref ? `No flow ${ref} is kept (a request id leads to the log instead).` : undefined;
    sendPage(ctx, 200, renderAttemptsPage(frameOf(ctx), listAttempts(context, { last: FLOWS_SHOWN }), notice));
  };
}

export function attemptRoute(context: BridgeContext): RouterMiddleware<AdminState> {
  return async (ctx) => {
    const id = ctx.params['id']!;
    if (!context.store.flows.get(id)) {
      sendPage(ctx, 404, renderAttemptsPage(frameOf(ctx), listAttempts(context, { last: FLOWS_SHOWN }), `No flow ${id} is kept.`));
      return;
    }
    sendPage(ctx, 200, renderAttemptPage(frameOf(ctx), showAttempt(context, { id })));
  };
}
