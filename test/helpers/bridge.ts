import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { startDaemon, type Daemon, type ObserverFactory } from '../../src/daemon.ts';
import { createLogger } from '../../src/log/logger.ts';
import { addClient } from '../../src/services/clients.ts';
import { addUser } from '../../src/services/users.ts';

export const VENDOR_ID = 'M2TESTVENDOR42';
export const LAYLA = `https://layla.amazon.com/api/skill/link/${VENDOR_ID}`;
export const PITANGUI = `https://pitangui.amazon.com/api/skill/link/${VENDOR_ID}`;
export const CLIENT_ID = 'alexa-skill';
export const CLIENT_SECRET = 'test-secret-0123456789-abcdefghij';
export const USERNAME = 'alice';
export const PASSWORD = 'correct horse battery';
export const ISSUER = 'https://bridge.example.test';

/** A clock the test moves by hand. */
export class TestClock {
  now = Date.UTC(2026, 10, 22, 12, 0, 0);
  readonly read = () => this.now;
  advance(seconds: number): void {
    this.now += seconds * 1000;
  }
}

export interface TestBridge {
  url: string;
  dataDir: string;
  config: Config;
  daemon: Daemon;
  clock: TestClock;
  /** Every pino line written so far, parsed. */
  logs: Record<string, unknown>[];
  logText: () => string;
  stop(): Promise<void>;
}

export async function tempDir(prefix = 'bridge-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A daemon in this process on an ephemeral port, with real files in a temp data dir; `observe` replaces the diagnostics. */
export async function startBridge(
  options: { env?: Record<string, string>; dataDir?: string; clock?: TestClock; observe?: ObserverFactory } = {},
): Promise<TestBridge> {
  const dataDir = options.dataDir ?? (await tempDir());
  const clock = options.clock ?? new TestClock();
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  // The issuer differs from the listen address on purpose: every URL must come from it.
  // No admin page unless a test asks for one: parallel test daemons would all want port 8097.
  const env = { BRIDGE_PORT: '0', BRIDGE_ADMIN_PORT: 'off', BRIDGE_LOG_LEVEL: 'debug', BRIDGE_PUBLIC_URL: ISSUER, ...options.env, BRIDGE_DATA_DIR: dataDir };
  const config = loadConfig({ env });
  const daemon = await startDaemon(config, createLogger(config.logLevel, sink), clock.read, undefined, options.observe);
  return {
    url: `http://127.0.0.1:${daemon.port}`,
    dataDir,
    config,
    daemon,
    clock,
    get logs() {
      return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    logText: () => lines.join('\n'),
    stop: () => daemon.stop(),
  };
}

/** Registers the Alexa client and a local user, as the README tells a user to. */
export async function seedAlexa(bridge: TestBridge, client: { public?: boolean } = {}): Promise<void> {
  const context = bridge.daemon.context;
  await addClient(context, {
    id: CLIENT_ID,
    name: 'Music Skill',
    alexaVendorId: VENDOR_ID,
    ...(client.public ? { public: true } : { secret: CLIENT_SECRET }),
    scopes: ['alexa', 'music'],
  });
  if (!context.store.users.get(USERNAME)) await addUser(context, USERNAME, PASSWORD);
}
