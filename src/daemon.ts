import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { mkdir, unlink } from 'node:fs/promises';
import type { AddressInfo, Server as NetServer } from 'node:net';
import type { Logger } from 'pino';
import { startAdminListener } from './admin/adminListener.js';
import { configWarnings, defaultPublicUrl } from './config/load.js';
import type { Config } from './config/schema.js';
import type { BridgeContext, Clock, ServerContext } from './context.js';
import { DataDirLock } from './control/lock.js';
import { controlSocketPath, serveControlSocket, type DaemonCommands } from './control/socket.js';
import { AttemptRecorder } from './diagnostics/attemptRecorder.js';
import { LinkingDiagnostics } from './diagnostics/linkingDiagnostics.js';
import { InFlightRequests } from './http/inFlight.js';
import { createPublicApp } from './http/publicApp.js';
import { localHealthUrl } from './net/addresses.js';
import { guardObserver, type LinkingObserver } from './oauth/observer.js';
import { syncConfiguredClient } from './services/clients.js';
import type { FileIo } from './storage/atomicWrite.js';
import { Store, StorageWriteError } from './storage/store.js';
import { ClockWatch } from './upkeep/clockWatch.js';
import { runUpkeep, scheduleUpkeep, upkeepJobs } from './upkeep/scheduler.js';
import { VERSION } from './version.js';

export interface Daemon {
  context: ServerContext;
  /** The public listener's port (useful when configured as 0). */
  port: number;
  /** The admin page's port; none when it is off or its port was taken. */
  adminPort: number | undefined;
  /** Stops accepting, lets requests in flight finish, flushes and releases the data dir. */
  stop(): Promise<void>;
}

const SHUTDOWN_DEADLINE_MS = 4500;

/** Who observes the OAuth core; the linking diagnostics unless a test puts another in. */
export type ObserverFactory = (core: BridgeContext, steadyClock: (() => number) | undefined) => LinkingObserver;

const linkingDiagnostics: ObserverFactory = (core, steadyClock) =>
  new LinkingDiagnostics(core, new AttemptRecorder(core.store, core.config, core.clock, core.log, steadyClock));

/** `io` replaces the storage's file operations and `observe` the diagnostics, for fault-injection tests. */
export async function startDaemon(
  config: Config,
  log: Logger,
  clock: Clock = Date.now,
  io?: FileIo,
  observe: ObserverFactory = linkingDiagnostics,
): Promise<Daemon> {
  // Every file the daemon creates (data, lock, control socket) is its owner's only.
  process.umask(0o077);
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const lock = await DataDirLock.acquire(config.dataDir);
  try {
    const store = await Store.open(config.dataDir, io);
    // A test's clock jumps on purpose; a steady clock beside it would take every jump for a clock fault.
    const steadyClock = clock === Date.now ? () => performance.now() : undefined;
    const core: BridgeContext = { config, store, clock, log };
    const context: ServerContext = { ...core, observer: guardObserver(observe(core, steadyClock), log) };
    for (const warning of configWarnings(config)) log.warn(warning);
    for (const damaged of store.damagedJournalLines) {
      log.error(
        { file: damaged.journal, lines: damaged.lines, keptIn: damaged.keptIn },
        `${damaged.journal} line ${damaged.lines.join(', ')} is damaged: its change is not in the store; the line is kept in ${damaged.keptIn}`,
      );
    }
    await syncClientFromConfig(context);
    await unlink(controlSocketPath(config.dataDir)).catch(() => undefined); // left by a crash; we hold the lock
    const daemonCommands: DaemonCommands = {};
    const control = await serveControlSocket(context, daemonCommands);
    const clockWatch = await ClockWatch.open(config.dataDir, store, clock, steadyClock, io);
    const health = { version: VERSION, instance: randomBytes(8).toString('hex'), startedAt: clock(), clockDoubt: () => clockWatch.doubt() };
    const inFlight = new InFlightRequests();
    // Node checks the header and request timeouts only every connectionsCheckingInterval (30 s by default).
    const server = createServer({ connectionsCheckingInterval: 1000 });
    // Slow or stalled clients are cut off rather than holding sockets (Slowloris).
    server.headersTimeout = 10_000;
    server.requestTimeout = 15_000;
    server.keepAliveTimeout = 5_000;
    try {
      await listen(server, config.port, config.host);
    } catch (error) {
      control.close();
      throw new Error(`cannot listen on ${config.host}:${config.port}: ${(error as NodeJS.ErrnoException).code ?? error}`);
    }
    const port = (server.address() as AddressInfo).port;
    // With port 0 the port, and the default issuer that follows it, are known only now: what the
    // daemon says and checks (start message, doctor) names the port bound. From here to the
    // handler all is synchronous, so no request can arrive before the app that answers it.
    if (config.port === 0) {
      context.config = { ...config, port, ...(config.publicUrl === defaultPublicUrl(0) ? { publicUrl: defaultPublicUrl(port) } : {}) };
    }
    server.on('request', createPublicApp(context, health, inFlight).callback());
    log.info({ version: VERSION, listen: `${config.host}:${port}`, issuer: context.config.publicUrl, auth: config.auth, dataDir: config.dataDir }, 'alexa-oauth-bridge is serving');
    const admin = await startAdminListener(context, { ...health, localHealthUrl: localHealthUrl(config.host, port) });
    if (admin) daemonCommands['admin link'] = () => admin.signInLink();
    void runUpkeep(context, upkeepJobs, clockWatch); // catches up after downtime; the schedule takes over from here
    const upkeep = scheduleUpkeep(context, upkeepJobs, clockWatch);
    let stopping: Promise<void> | undefined;
    return {
      context,
      port,
      adminPort: admin?.port,
      stop: () =>
        (stopping ??= (async () => {
          upkeep.stop();
          await admin?.close();
          await stop(server, control, inFlight, context, lock);
        })()),
    };
  } catch (error) {
    await lock.release();
    throw error;
  }
}

/** Keeps the configured client registered; a disk that cannot take the change does not stop start-up (health says why). */
async function syncClientFromConfig(context: BridgeContext): Promise<void> {
  const { config, log } = context;
  try {
    const synced = await syncConfiguredClient(context);
    if (synced !== 'none' && synced !== 'unchanged') log.info({ clientId: config.clientId }, `configured client ${synced}`);
  } catch (error) {
    if (!(error instanceof StorageWriteError)) throw error;
    log.error({ clientId: config.clientId, err: error }, 'the configured client could not be saved; it is tried again at the next start');
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function stop(server: Server, control: NetServer, inFlight: InFlightRequests, context: ServerContext, lock: DataDirLock): Promise<void> {
  const started = Date.now();
  const deadline = setTimeout(() => server.closeAllConnections(), SHUTDOWN_DEADLINE_MS);
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // A keep-alive connection that goes idle after close() would hold the stop until the deadline.
  const sweep = setInterval(() => server.closeIdleConnections(), 50);
  server.closeIdleConnections();
  await closed;
  clearInterval(sweep);
  // Sockets can be gone while their handlers still run (the client hung up): they may still write.
  await inFlight.idle(Math.max(0, SHUTDOWN_DEADLINE_MS - (Date.now() - started)));
  // Every response and control answer waits for its own write, so once both listeners have
  // drained there is nothing left to flush.
  await new Promise<void>((resolve) => control.close(() => resolve()));
  clearTimeout(deadline);
  await context.observer.flush();
  await context.store.close();
  await lock.release();
  context.log.info('alexa-oauth-bridge stopped');
}
