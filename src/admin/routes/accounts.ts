import type { RouterMiddleware } from '@koa/router';
import type { Middleware } from 'koa';
import type { BridgeContext } from '../../context.js';
import { CommandFailure } from '../../services/failure.js';
import { listGrants, revokeGrant } from '../../services/grants.js';
import { renderAccountsPage } from '../../views/admin/accountsPage.js';
import { href } from '../../views/admin/layout.js';
import { frameOf, sendPage, type AdminState } from '../state.js';

export function accountsRoute(context: BridgeContext): Middleware<AdminState> {
  return async (ctx) => {
    const revoked = typeof ctx.query['revoked'] === 'string' ? ctx.query['revoked'] : undefined;
    sendPage(ctx, 200, renderAccountsPage(frameOf(ctx), listGrants(context), revoked ? `The linked account ${revoked} is revoked.` : undefined));
  };
}

/** POST: ends a linked account at once, then back to the list (303, so a reload does not post again). */
export function revokeAccountRoute(context: BridgeContext): RouterMiddleware<AdminState> {
  return async (ctx) => {
    const id = ctx.params['id']!;
    const by = ctx.state.user ?? 'the administrator';
    try {
      await revokeGrant(context, id, `revoked by ${by} on the admin page`);
    } catch (error) {
      if (!(error instanceof CommandFailure)) throw error;
      sendPage(ctx, 409, renderAccountsPage(frameOf(ctx), listGrants(context), error.message));
      return;
    }
    ctx.state.log.info({ grant: id, by }, 'linked account revoked on the admin page');
    ctx.status = 303;
    ctx.redirect(href(frameOf(ctx), `/accounts?revoked=${encodeURIComponent(id)}`));
  };
}
