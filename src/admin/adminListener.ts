import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { BridgeContext } from '../context.js';
import { createAdminApp } from './adminApp.js';
import type { AdminInfo } from './state.js';

export interface AdminListener {
  port: number;
  close(): Promise<void>;
}

/**
 * Serves the admin page on `adminHost:adminPort`, unless `adminPort` is off. A port already
 * taken is logged, not fatal: linking must not stop because the panel cannot open.
 */
export async function startAdminListener(context: BridgeContext, info: AdminInfo): Promise<AdminListener | undefined> {
  const { adminHost, adminPort } = context.config;
  if (adminPort === 'off') return undefined;
  const server = createServer(createAdminApp(context, info).callback());
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
  return { port, close: () => close(server) };
}

function close(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const deadline = setTimeout(() => server.closeAllConnections(), 4500);
  return closed.finally(() => clearTimeout(deadline));
}
