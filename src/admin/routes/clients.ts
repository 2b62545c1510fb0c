import type { RouterMiddleware } from '@koa/router';
import type { Middleware } from 'koa';
import type { BridgeContext } from '../../context.js';
import { endSecretOverlap, listClients, rotateClientSecret } from '../../services/clients.js';
import { CommandFailure } from '../../services/failure.js';
import { renderClientsPage } from '../../views/admin/clientsPage.js';
import { href } from '../../views/admin/layout.js';
import { frameOf, sendPage, type AdminState } from '../state.js';

export function clientsRoute(context: BridgeContext): Middleware<AdminState> {
  return async (ctx) => {
    sendPage(ctx, 200, renderClientsPage(frameOf(ctx), listClients(context)));
  };
}

/** POST: a new secret, shown once in this answer (never cached) and never again. */
export function rotateSecretRoute(context: BridgeContext): RouterMiddleware<AdminState> {
  return async (ctx) => {
    const id = ctx.params['id']!;
    try {
      const rotated = await rotateClientSecret(context, id);
      ctx.state.log.info({ clientId: id, by: ctx.state.user ?? 'the administrator' }, 'client secret rotated on the admin page');
      sendPage(ctx, 200, renderClientsPage(frameOf(ctx), listClients(context), { secret: { clientId: id, secret: rotated.client_secret! } }));
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
