import Router from '@koa/router';
import Koa, { type Middleware } from 'koa';
import type { BridgeContext } from '../context.js';
import { parseForm } from '../http/middleware/parseForm.js';
import { logRequests } from '../http/middleware/requestLog.js';
import { htmlShowingControls as html } from '../views/html.js';
import { ADMIN_STYLE_HASH, adminPage } from '../views/admin/layout.js';
import { admitIngressAndLoopback } from './access.js';
import { AdminCsrf } from './csrf.js';
import { accountsRoute, revokeAccountRoute } from './routes/accounts.js';
import { clientsRoute, endOverlapRoute, rotateSecretRoute } from './routes/clients.js';
import { flowRoute, flowsRoute } from './routes/flows.js';
import { overviewRoute } from './routes/overview.js';
import { frameOf, sendPage, type AdminInfo, type AdminState } from './state.js';

/** Every admin answer: framed only by Home Assistant's own page, never cached, styles only by hash. */
const adminHeaders: Middleware = async (ctx, next) => {
  ctx.set('Content-Security-Policy', `default-src 'none'; style-src ${ADMIN_STYLE_HASH}; form-action 'self'; frame-ancestors 'self'; base-uri 'none'`);
  ctx.set('X-Frame-Options', 'SAMEORIGIN');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('Cache-Control', 'no-store');
  await next();
};

/** A state change needs this page's form token, and no browser that says the post came from another site. */
function requireCsrf(csrf: AdminCsrf): Middleware<AdminState> {
  return async (ctx, next) => {
    const site = ctx.get('sec-fetch-site');
    if ((site && site !== 'same-origin' && site !== 'none') || !csrf.isValid(ctx.state.user, ctx.state.form.get('csrf_token'))) {
      sendPage(ctx, 403, adminPage(frameOf(ctx), 'overview', 'Page expired', html`<p class="notice bad">This form has expired or did not come from this page. Reload the page and try again.</p>`));
      return;
    }
    await next();
  };
}

/** Anything unexpected: logged with the request id, and a page that says where to look. */
const adminErrors: Middleware<AdminState> = async (ctx, next) => {
  try {
    await next();
  } catch (error) {
    ctx.state.log.error({ err: error }, 'admin request failed');
    sendPage(ctx, 500, adminPage(frameOf(ctx), 'overview', 'Error', html`<p class="notice bad">Something went wrong; the log has the details under request ${ctx.state.requestId}.</p>`));
  }
};

/**
 * The admin page, on its own listener (Home Assistant ingress), never on the public one:
 * overview with the doctor's checks, linked accounts, clients, and the recent flows.
 */
export function createAdminApp(context: BridgeContext, info: AdminInfo): Koa {
  // No proxy trust: who asks is the socket's peer, which only the ingress proxy or loopback may be.
  const app = new Koa({ proxy: false });
  app.silent = true;
  const csrf = new AdminCsrf(context.clock);
  const router = new Router<AdminState>();
  const post = [parseForm, requireCsrf(csrf)] as const;

  router.get('/', overviewRoute(context, info));
  router.get('/accounts', accountsRoute(context));
  router.post('/accounts/:id/revoke', ...post, revokeAccountRoute(context));
  router.get('/clients', clientsRoute(context));
  router.post('/clients/:id/rotate-secret', ...post, rotateSecretRoute(context));
  router.post('/clients/:id/end-overlap', ...post, endOverlapRoute(context));
  router.get('/flows', flowsRoute(context));
  router.get('/flows/:id', flowRoute(context));

  app.use(logRequests(context.log));
  app.use(admitIngressAndLoopback);
  app.use(adminHeaders);
  app.use<AdminState>(async (ctx, next) => {
    ctx.state.csrfToken = csrf.issue(ctx.state.user);
    await next();
  });
  app.use(adminErrors);
  app.use(router.routes());
  app.use(router.allowedMethods());
  app.use<AdminState>(async (ctx) => {
    sendPage(ctx, 404, adminPage(frameOf(ctx), 'overview', 'Not found', html`<p class="notice bad">Nothing is served at ${ctx.path}.</p>`));
  });
  return app;
}
