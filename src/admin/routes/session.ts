import type { Middleware } from 'koa';
import { LOCAL_CLI } from '../../cliCommand.js';
import { html } from '../../views/html.js';
import { adminPage, href } from '../../views/admin/layout.js';
import { SESSION_LIFETIME_MS, type AdminSessions } from '../sessions.js';
import { frameOf, sendPage, type AdminState } from '../state.js';

export const SESSION_COOKIE = 'admin_session';

const HOW_TO_SIGN_IN = html`<p>On the machine that runs the bridge, as the user who owns its data directory, run</p>
<pre>${LOCAL_CLI} admin-link</pre><p>and open the link it prints. Each link works once, within 10 minutes. In Home Assistant, open the add-on's panel instead: it signs you in.</p>`;

/** Outside ingress, every page but the sign-in link needs a live session; 401 with how to get one otherwise. */
export function requireSession(sessions: AdminSessions): Middleware<AdminState> {
  return async (ctx, next) => {
    if (ctx.state.fromIngress) return next();
    const cookie = ctx.cookies.get(SESSION_COOKIE);
    if (sessions.isLive(cookie)) {
      ctx.state.session = cookie;
      return next();
    }
    if (ctx.path === '/signin' && (ctx.method === 'GET' || ctx.method === 'HEAD')) return next();
    sendPage(ctx, 401, adminPage(frameOf(ctx), 'overview', 'Sign in', html`<div class="card"><h2>Sign in</h2>${HOW_TO_SIGN_IN}</div>`));
  };
}

/** GET /signin?token=…: spends a one-time link, sets the session cookie, then 303 to the overview. */
export function signInRoute(sessions: AdminSessions): Middleware<AdminState> {
  return async (ctx) => {
    const token = typeof ctx.query['token'] === 'string' ? ctx.query['token'] : '';
    const signedIn = token ? sessions.redeem(token) : undefined;
    if (!signedIn) {
      if (ctx.state.session) {
        ctx.status = 303;
        ctx.redirect(href(frameOf(ctx), '/'));
        return;
      }
      sendPage(ctx, 401, adminPage(frameOf(ctx), 'overview', 'Sign in', html`<div class="card"><h2>This link does not work</h2><p class="notice bad">It was used already, or it is older than 10 minutes.</p>${HOW_TO_SIGN_IN}</div>`));
      return;
    }
    sessions.end(ctx.state.session);
    // Strict: no other site's page can send it along; HttpOnly: no script reads it. Loopback is
    // plain http, so it cannot be Secure (nor __Host-). Its expiry is counted on the real clock,
    // the browser's; the session's own on the daemon's.
    ctx.cookies.set(SESSION_COOKIE, signedIn.session, {
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      maxAge: SESSION_LIFETIME_MS,
      overwrite: true,
    });
    ctx.state.log.info('admin page: signed in with a one-time link');
    ctx.status = 303;
    ctx.redirect(href(frameOf(ctx), '/'));
  };
}
