import { createServer, type RequestListener, type Server } from 'node:http';
import Koa from 'koa';
import { admitIngressAndLoopback, checkHost, type AdminAccessState } from '../admin/access.js';
import type { Listeners } from '../config/load.js';
import { pageSecurityHeaders } from '../http/middleware/securityHeaders.js';
import { VERSION } from '../version.js';
import { STYLE_HASH } from '../views/html.js';
import { renderSetupPage } from '../views/setupPage.js';

/**
 * `serve --wait-for-config` when the configuration has problems: instead of exiting (which a
 * supervisor such as the add-on's watchdog answers with a restart, over and over), the daemon
 * stays up on its usual listeners and says what to fill in:
 *
 * - public listener: `GET /health` 200 `{"status":"unconfigured","version","problems":[...]}`,
 *   200 so that a watchdog or container health check does not restart it; anything else 503;
 * - admin listener (loopback and the ingress proxy only): a page listing the problems.
 *
 * Nothing is read from or written to the data directory. Resolves once both listeners are
 * closed after SIGTERM or SIGINT.
 */
export async function waitForConfig(problems: readonly string[], listeners: Listeners, say: (line: string) => void): Promise<void> {
  for (const problem of problems) say(`configuration problem: ${problem}`);
  say('waiting for the configuration to be fixed; /health and the admin page list what to fill in');
  const servers: Server[] = [];
  servers.push(await listen(publicApp(problems), listeners.port, listeners.host));
  if (listeners.adminPort !== 'off') {
    try {
      servers.push(await listen(adminApp(problems, listeners.adminHost), listeners.adminPort, listeners.adminHost));
    } catch (error) {
      say(`no admin page: cannot listen on ${listeners.adminHost}:${listeners.adminPort} (${(error as NodeJS.ErrnoException).code ?? error})`);
    }
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  })));
}

function publicApp(problems: readonly string[]): Koa {
  const app = new Koa();
  app.silent = true;
  app.use(pageSecurityHeaders);
  app.use((ctx) => {
    ctx.set('Cache-Control', 'no-store');
    if (ctx.path === '/health' && (ctx.method === 'GET' || ctx.method === 'HEAD')) {
      ctx.body = { status: 'unconfigured', version: VERSION, problems };
      return;
    }
    ctx.status = 503;
    ctx.type = 'text';
    ctx.body = 'alexa-oauth-bridge is waiting for its configuration to be completed.\n';
  });
  return app;
}

function adminApp(problems: readonly string[], listenHost: string): Koa<AdminAccessState> {
  const app = new Koa<AdminAccessState>();
  app.silent = true;
  app.use(admitIngressAndLoopback);
  // No sign-in here (no daemon runs to hand out links, and the page holds no secret), but the
  // same Host allow-list: a rebinding page must not read the problems either.
  app.use(checkHost(listenHost));
  app.use((ctx) => {
    // Framed by Home Assistant's ingress panel, as the admin page is; styled only by hash.
    ctx.set('Content-Security-Policy', `default-src 'none'; style-src ${STYLE_HASH}; frame-ancestors 'self'; base-uri 'none'; form-action 'none'`);
    ctx.set('X-Frame-Options', 'SAMEORIGIN');
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Cache-Control', 'no-store');
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.status = 405;
      ctx.set('Allow', 'GET, HEAD');
      return;
    }
    ctx.type = 'html';
    ctx.body = renderSetupPage(problems);
  });
  return app;
}

function listen(app: { callback(): RequestListener }, port: number, host: string): Promise<Server> {
  const server = createServer({ connectionsCheckingInterval: 1000 }, app.callback());
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
