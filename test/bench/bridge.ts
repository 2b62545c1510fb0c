// The bridge as users run it: `node dist/cli.js serve` on a fresh data directory, seeded through
// its own CLI while it runs (the CLI hands the change to the daemon).
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { freePort, runCommand, startServer, type Child } from './proc.ts';
import type { Credentials, OAuthServer } from './servers.ts';

export const BRIDGE_CLI = path.resolve(import.meta.dirname, '../../dist/cli.js');

export function bridgeBuilt(): boolean {
  return existsSync(BRIDGE_CLI);
}

interface Spawned {
  child: Child;
  url: string;
  dataDir: string;
  env: Record<string, string>;
  /** Node's own options before the script, e.g. `--cpu-prof`. */
  nodeArgs: string[];
}

export type BridgeServer = OAuthServer & Spawned;

// The abuse limits count every request from one address and one client (a few hundred a minute
// by default), and every sign-in of one username (counted before its password is checked, so 8
// simultaneous link flows meet the 5-attempt limit); all load comes from 127.0.0.1, one client
// and one user, so they are lifted. The limiters themselves still run on every request and are
// part of what is measured. The password-check queue (one scrypt at a time) is not configurable
// and stays as users run it.
const UNLIMITED = {
  BRIDGE_API_REQUESTS_PER_MINUTE: '1000000000',
  BRIDGE_CLIENT_REQUESTS_PER_MINUTE: '1000000000',
  BRIDGE_SIGN_IN_FAILURE_LIMIT: '1000000000',
  BRIDGE_SIGN_IN_DAILY_FAILURE_LIMIT: '1000000000',
  BRIDGE_SIGN_IN_USERNAME_DAILY_FAILURE_LIMIT: '1000000000',
};

/** Starts the daemon on an empty data directory of its own under `runDir`. */
export async function spawnBridge(runDir: string, nodeArgs: string[] = []): Promise<Spawned> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(path.join(runDir, 'bridge-data-'));
  const env = {
    BRIDGE_DATA_DIR: dataDir,
    BRIDGE_PORT: String(port),
    BRIDGE_HOST: '127.0.0.1',
    // The admin page listens too, as for users, on any free port (0): several bridges run at once.
    BRIDGE_ADMIN_PORT: '0',
    BRIDGE_PUBLIC_URL: url,
    BRIDGE_LOG_LEVEL: 'info',
    ...UNLIMITED,
  };
  return { child: await launch(env, `${dataDir}.log`, nodeArgs), url, dataDir, env, nodeArgs };
}

function launch(env: Record<string, string>, logFile: string, nodeArgs: string[]): Promise<Child> {
  return startServer({
    command: process.execPath,
    args: [...nodeArgs, BRIDGE_CLI, 'serve'],
    env,
    healthUrl: `${env.BRIDGE_PUBLIC_URL}/health`,
    logFile,
  });
}

/** Stops the daemon, runs `whileStopped`, and starts it again on the same data directory and address. */
export async function restartBridge(bridge: BridgeServer, whileStopped: () => void): Promise<BridgeServer> {
  await bridge.child.stop();
  whileStopped();
  return { ...bridge, child: await launch(bridge.env, bridge.child.logFile, bridge.nodeArgs) };
}

function cli(spawned: Spawned, args: string[], stdin?: string): Promise<string> {
  return runCommand(process.execPath, [BRIDGE_CLI, '--data-dir', spawned.dataDir, ...args], spawned.env, stdin);
}

/** A started bridge with the Alexa client and the user registered. */
export async function startBridge(creds: Credentials, runDir: string, nodeArgs: string[] = []): Promise<BridgeServer> {
  const spawned = await spawnBridge(runDir, nodeArgs);
  await cli(spawned, [
    'client', 'add', creds.clientId,
    '--redirect-uri', creds.redirectUri,
    '--secret', creds.clientSecret,
    '--scope', creds.scope,
    '--json',
  ]);
  await cli(spawned, ['user', 'add', creds.username, '--password-stdin'], creds.password);
  const { url } = spawned;
  const target = {
    ...creds,
    authorizeUrl: `${url}/alexa/authorize`,
    tokenUrl: `${url}/alexa/token`,
    introspectUrl: `${url}/alexa/introspect`,
  };
  return { ...spawned, name: 'bridge', target };
}

/** How many grants the bridge itself says it holds (`grant list --json`). */
export async function countGrants(bridge: BridgeServer): Promise<number> {
  const listed = JSON.parse(await cli(bridge, ['grant', 'list', '--json'])) as unknown;
  return Array.isArray(listed) ? listed.length : Number.NaN;
}

/** Bytes of the data files (the top-level *.json; the logs/ folder is not counted). */
export function dataDirBytes(dir: string): number {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .reduce((sum, name) => sum + statSync(path.join(dir, name)).size, 0);
}
