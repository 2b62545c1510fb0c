import type { RouterMiddleware } from '@koa/router';
import type { Middleware } from 'koa';
import type { BridgeContext } from '../../context.js';
import { endSecretOverlap, listClients, rotateClientSecret } from '../../services/clients.js';
import { CommandFailure } from '../../services/failure.js';
import { renderClientsPage, type NewSecret } from '../../views/admin/clientsPage.js';
import { href } from '../../views/admin/layout.js';
import { viewerOf } from '../access.js';
import type { OneTimeReveals } from '../reveals.js';
import { frameOf, sendPage, type AdminState } from '../state.js';

/** GET; `?shown=ID` shows, once, the secret a rotation just made. */
export function clientsRoute(context: BridgeContext, reveals: OneTimeReveals<NewSecret>): Middleware<AdminState> {
  return async (ctx) => {
    const shown = typeof ctx.query['shown'] === 'string' ? ctx.query['shown'] : undefined;
    const secret = shown ? reveals.take(viewerOf(ctx.state), shown) : undefined;
    const problem = shown && !secret ? 'That new secret was shown once and is not kept. If it was not copied, rotate the secret again.' : undefined;
    sendPage(ctx, 200, renderClientsPage(frameOf(ctx), listClients(context), { ...(secret ? { secret } : {}), ...(problem ? { problem } : {}) }));
  };
}

/**
 * POST: a new secret, then a 303 to the page that shows it once (post/redirect/get): a reload of
 * that page neither posts again nor makes a second secret.
 */
export function rotateSecretRoute(context: BridgeContext, reveals: OneTimeReveals<NewSecret>): RouterMiddleware<AdminState> {
  return async (ctx) => {
    const id = ctx.params['id']!;
    try {
      const rotated = await rotateClientSecret(context, id);
      ctx.state.log.info({ clientId: id, by: ctx.state.user ?? 'the administrator' }, 'client secret rotated on the admin page');
      const revealId = reveals.put(viewerOf(ctx.state), { clientId: id, secret: rotated.client_secret! });
      ctx.status = 303;
      ctx.redirect(href(frameOf(ctx), `/clients?shown=${revealId}`));
    } catch (error) {
      if (!(error instanceof CommandFailure)) throw error;
      sendPage(ctx, 409, renderClientsPage(frameOf(ctx), listClients(context), { problem: error.message }));
    }
  };
}

/** POST: stop accepting the secret a rotation replaced (post/redirect/get back to the list). */
export function endOverlapRoute(context: BridgeContext): RouterMiddleware<AdminState> {
  return async (ctx) => {
    const id = ctx.params['id']!;
    try {
      await endSecretOverlap(context, id);
    } catch (error) {
      if (!(error instanceof CommandFailure)) throw error;
      sendPage(ctx, 409, renderClientsPage(frameOf(ctx), listClients(context), { problem: error.message }));
      return;
    }
    ctx.state.log.info({ clientId: id, by: ctx.state.user ?? 'the administrator' }, 'old client secret ended on the admin page');
    ctx.status = 303;
    ctx.redirect(href(frameOf(ctx), '/clients'));
  };
}
