import Router from '@koa/router';
import Koa, { type Middleware } from 'koa';
import type { BridgeContext } from '../context.js';
import { parseForm } from '../http/middleware/parseForm.js';
import { logRequests } from '../http/middleware/requestLog.js';
import { htmlShowingControls as html } from '../views/html.js';
import { ADMIN_STYLE_HASH, adminPage } from '../views/admin/layout.js';
import type { NewSecret } from '../views/admin/clientsPage.js';
import { admitIngressAndLoopback, checkHost, viewerOf } from './access.js';
import { AdminCsrf } from './csrf.js';
import { OneTimeReveals } from './reveals.js';
import { accountsRoute, revokeAccountRoute } from './routes/accounts.js';
import { clientsRoute, endOverlapRoute, rotateSecretRoute } from './routes/clients.js';
import { attemptRoute, attemptsRoute } from './routes/attempts.js';
import { overviewRoute } from './routes/overview.js';
import { requireSession, signInRoute } from './routes/session.js';
import type { AdminSessions } from './sessions.js';
import { frameOf, sendPage, type AdminInfo, type AdminState } from './state.js';

/** Every admin answer: framed only by Home Assistant's own page, never cached, styles only by hash. */
const adminHeaders: Middleware = async (ctx, next) => {
  ctx.set('Content-Security-Policy', `default-src 'none'; style-src ${ADMIN_STYLE_HASH}; form-action 'self'; frame-ancestors 'self'; base-uri 'none'`);
  ctx.set('X-Frame-Options', 'SAMEORIGIN');
  ctx.set('X-Content-Type-Options', 'nosniff');
  // same-origin, not no-referrer: under no-referrer Chromium sends `Origin: null` with the
  // page's own form posts, and Origin is what tells them from a foreign page's.
  ctx.set('Referrer-Policy', 'same-origin');
  ctx.set('Cache-Control', 'no-store');
  await next();
};

/** The methods any admin page answers; others get 405 with `Allow` (RFC 9110 §15.5.6), never 501. */
const ALLOWED_METHODS = ['GET', 'HEAD', 'POST'];

const onlyKnownMethods: Middleware<AdminState> = async (ctx, next) => {
  if (ALLOWED_METHODS.includes(ctx.method)) return next();
  ctx.set('Allow', ALLOWED_METHODS.join(', '));
  sendPage(ctx, 405, adminPage(frameOf(ctx), 'overview', 'Method not allowed', html`<p class="notice bad">The admin page answers only GET and POST.</p>`));
};

/**
 * A state change needs this page's form token, spent by this post (a reload cannot post it
 * again), and no browser that says the post came from elsewhere: `Origin`, when sent, must be
 * this listener as the browser called it (outside ingress, where Home Assistant's origin is
 * the browser's), and `Sec-Fetch-Site`, when sent, same-origin.
 */
function requireCsrf(csrf: AdminCsrf): Middleware<AdminState> {
  return async (ctx, next) => {
    const site = ctx.get('sec-fetch-site');
    const origin = ctx.get('origin');
    const foreignOrigin = origin !== '' && !ctx.state.fromIngress && origin !== `http://${ctx.get('host')}`;
    if ((site && site !== 'same-origin' && site !== 'none') || foreignOrigin || !csrf.spend(viewerOf(ctx.state), ctx.state.form.get('csrf_token'))) {
      ctx.state.errorDetail = `admin form refused: ${foreignOrigin ? `Origin ${origin}` : site && site !== 'same-origin' && site !== 'none' ? `Sec-Fetch-Site ${site}` : 'missing, expired or spent csrf_token'}`;
      sendPage(ctx, 403, adminPage(frameOf(ctx), 'overview', 'Page expired', html`<p class="notice bad">This form has expired, was sent already, or did not come from this page. Reload the page and try again.</p>`));
      return;
    }
    await next();
  };
}

/**
 * Anything unexpected: logged with the request id, and a page that says where to look. A
 * request's own fault (a body that is not a form, too big, malformed) keeps its 4xx.
 */
const adminErrors: Middleware<AdminState> = async (ctx, next) => {
  try {
    await next();
  } catch (error) {
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      ctx.state.errorDetail = (error as Error).message;
      sendPage(ctx, status, adminPage(frameOf(ctx), 'overview', 'Bad request', html`<p class="notice bad">The admin page could not read this request. Use the page's own forms.</p>`));
      return;
    }
    ctx.state.log.error({ err: error }, 'admin request failed');
    sendPage(ctx, 500, adminPage(frameOf(ctx), 'overview', 'Error', html`<p class="notice bad">Something went wrong; the log has the details under request ${ctx.state.requestId}.</p>`));
  }
};

/**
 * The admin page, on its own listener (Home Assistant ingress), never on the public one:
 * overview with the doctor's checks, linked accounts, clients, and the recent flows.
 */
export function createAdminApp(context: BridgeContext, info: AdminInfo, sessions: AdminSessions): Koa {
  // No proxy trust: who asks is the socket's peer, which only the ingress proxy or loopback may be.
  const app = new Koa({ proxy: false });
  app.silent = true;
  const csrf = new AdminCsrf(context.clock);
  const reveals = new OneTimeReveals<NewSecret>(context.clock);
  const router = new Router<AdminState>();
  const post = [parseForm, requireCsrf(csrf)] as const;

  router.get('/', overviewRoute(context, info));
  router.get('/signin', signInRoute(sessions));
  router.get('/accounts', accountsRoute(context));
  router.post('/accounts/:id/revoke', ...post, revokeAccountRoute(context));
  router.get('/clients', clientsRoute(context, reveals));
  router.post('/clients/:id/rotate-secret', ...post, rotateSecretRoute(context, reveals));
  router.post('/clients/:id/end-overlap', ...post, endOverlapRoute(context));
  router.get('/flows', attemptsRoute(context));
  router.get('/flows/:id', attemptRoute(context));

  app.use(logRequests(context.log));
  app.use(admitIngressAndLoopback);
  app.use(checkHost(context.config.adminHost));
  app.use(adminHeaders);
  app.use(requireSession(sessions));
  app.use<AdminState>(async (ctx, next) => {
    ctx.state.csrfToken = csrf.issue(viewerOf(ctx.state));
    await next();
  });
  app.use(adminErrors);
  app.use(onlyKnownMethods);
  app.use(router.routes());
  app.use(router.allowedMethods());
  app.use<AdminState>(async (ctx) => {
    sendPage(ctx, 404, adminPage(frameOf(ctx), 'overview', 'Not found', html`<p class="notice bad">Nothing is served at ${ctx.path}.</p>`));
  });
  return app;
}
