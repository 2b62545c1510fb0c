import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BridgeContext } from '../context.js';
import { AdminSessions } from './sessions.js';
import type { AdminInfo } from './state.js';

export interface AdminListener {
  port: number;
  /** A one-time sign-in link to this listener, for `admin-link`: its URL and when it expires (ISO 8601). */
  signInLink(): { url: string; expires_at: string };
  close(): Promise<void>;
}

/**
 * Serves the admin page on `adminHost:adminPort`, unless `adminPort` is off. A port already
 * taken is logged, not fatal: linking must not stop because the panel cannot open.
 */
export async function startAdminListener(context: BridgeContext, info: AdminInfo): Promise<AdminListener | undefined> {
  const { adminHost, adminPort } = context.config;
  if (adminPort === 'off') return undefined;
  const sessions = new AdminSessions(context.clock);
  // The admin app (its pages, the doctor and the doctor's https and tls) is loaded at the first
  // admin request rather than at start-up: serving Alexa never needs it.
  let app: Promise<(req: IncomingMessage, res: ServerResponse) => void> | undefined;
  const server = createServer((req, res) => {
    app ??= import('./adminApp.js').then(({ createAdminApp }) => createAdminApp(context, info, sessions).callback());
    app.then(
      (handle) => handle(req, res),
      (error: unknown) => {
        // Not kept: a failed load (a chunk missing while dist/ is rebuilt) is tried again at the
        // next request instead of leaving the admin page broken until a restart.
        app = undefined;
        context.log.error({ err: error }, 'the admin page could not be loaded');
        res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
        res.end('The admin page could not be loaded; the log says why.\n');
      },
    );
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000; // the overview waits for the doctor's probes of the public URL
  server.keepAliveTimeout = 5_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(adminPort, adminHost, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    context.log.warn(`no admin page: cannot listen on ${adminHost}:${adminPort} (${(error as NodeJS.ErrnoException).code ?? error}); set admin_port (BRIDGE_ADMIN_PORT) to a free port or off`);
    return undefined;
  }
  const port = (server.address() as AddressInfo).port;
  context.log.info({ listen: `${adminHost}:${port}` }, 'admin page is serving');
  // A wildcard listen address is reached at loopback; a specific one at itself.
  const linkHost = adminHost === '0.0.0.0' || adminHost === '::' ? '127.0.0.1' : adminHost.includes(':') ? `[${adminHost}]` : adminHost;
  return {
    port,
    signInLink: () => {
      const { token, expiresAt } = sessions.newSignInToken();
      return { url: `http://${linkHost}:${port}/signin?token=${token}`, expires_at: new Date(expiresAt).toISOString() };
    },
    close: () => close(server),
  };
}

function close(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const deadline = setTimeout(() => server.closeAllConnections(), 4500);
  return closed.finally(() => clearTimeout(deadline));
}
