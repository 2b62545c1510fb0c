// The built daemon and CLI run as users run them: `node dist/cli.js …` in a child process,
// configured through the environment, talked to over real sockets.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, runCli } from './cli.ts';
import { CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME, VENDOR_ID } from './bridge.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The built entry point (`npm test` builds first; `npx tsc -p tsconfig.json` by hand). */
export const CLI_JS = join(REPO_ROOT, 'dist', 'cli.js');

export async function tempDir(prefix = 'bridge-proc-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

// The command line itself is run by ./cli.ts (shared with the other process tests).
export { freePort, runCli, type CliResult } from './cli.ts';

/** Runs a CLI command that must succeed; returns its stdout, or throws with what it said. */
export async function cliOk(args: string[], options: { dataDir?: string; input?: string; env?: Record<string, string> } = {}): Promise<string> {
  const result = await runCli(args, options);
  if (result.code !== 0) {
    throw new Error(`alexa-oauth-bridge ${args.join(' ')} exited ${result.code ?? result.signal}: ${result.stderr.trim() || result.stdout.trim()}`);
  }
  return result.stdout;
}

/** Registers the Alexa client (fixed secret, scopes alexa and music) and the local user, as the README says. */
export async function seedAlexaWithCli(dataDir: string): Promise<void> {
  await cliOk(
    ['client', 'add', CLIENT_ID, '--alexa-vendor-id', VENDOR_ID, '--secret', CLIENT_SECRET, '--scope', 'alexa', '--scope', 'music', '--name', 'Music Skill'],
    { dataDir },
  );
  await cliOk(['user', 'add', USERNAME, '--password-stdin'], { dataDir, input: `${PASSWORD}\n` });
}

/** The parent's environment minus every BRIDGE_* / SUPERVISOR_TOKEN (so the host's settings never leak in), plus `extra`. */
function childEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('BRIDGE_') || name === 'SUPERVISOR_TOKEN' || name === 'NODE_TEST_CONTEXT') continue;
    env[name] = value;
  }
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

// ---------------------------------------------------------------------------------------------
// The daemon

export interface DaemonProcessOptions {
  /** Reused across restarts; a new temp dir when left out. */
  dataDir?: string;
  /** A fixed port (e.g. the same one after a restart); a free one when left out. */
  port?: number;
  /** BRIDGE_PUBLIC_URL; `http://127.0.0.1:<port>` when left out. */
  publicUrl?: string;
  /** More BRIDGE_* settings (they win over the ones above except BRIDGE_DATA_DIR/PORT/HOST). */
  env?: Record<string, string | undefined>;
  /** How long to wait for /health to answer 200. */
  readyTimeoutMs?: number;
  /** Ready once /health answers at all, 503 included (a daemon started on a full disk). */
  readyWhenUnhealthy?: boolean;
  /** What to run instead of `node dist/cli.js serve`, e.g. the add-on's start script. */
  command?: string[];
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** `node dist/cli.js serve` in a child process. */
export class DaemonProcess {
  /** Every line the daemon wrote to stdout (pino JSON), in order. */
  readonly stdoutLines: string[] = [];
  stderr = '';
  private readonly exited: Promise<ExitStatus>;
  private exitStatus: ExitStatus | undefined;
  private stdoutRest = '';

  private constructor(
    readonly child: ChildProcess,
    readonly dataDir: string,
    readonly port: number,
    readonly publicUrl: string,
    readonly env: NodeJS.ProcessEnv,
  ) {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const text = this.stdoutRest + chunk;
      const lines = text.split('\n');
      this.stdoutRest = lines.pop()!;
      this.stdoutLines.push(...lines.filter(Boolean));
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    // A test process that ends without stopping its daemon (a failed hook, an uncaught error)
    // must not leave it running.
    const reap = () => child.kill('SIGKILL');
    process.once('exit', reap);
    this.exited = new Promise((resolveExit) => {
      child.once('close', (code, signal) => {
        process.off('exit', reap);
        if (this.stdoutRest) this.stdoutLines.push(this.stdoutRest);
        this.stdoutRest = '';
        this.exitStatus = { code, signal };
        resolveExit(this.exitStatus);
      });
    });
  }

  /** Starts the daemon and resolves once GET /health answers 200. */
  static async start(options: DaemonProcessOptions = {}): Promise<DaemonProcess> {
    const dataDir = options.dataDir ?? (await tempDir());
    for (let attempt = 0; ; attempt++) {
      const port = options.port ?? (await freePort());
      const publicUrl = options.publicUrl ?? `http://127.0.0.1:${port}`;
      const env = childEnv({
        BRIDGE_LOG_LEVEL: 'info',
        BRIDGE_PUBLIC_URL: publicUrl,
        ...options.env,
        BRIDGE_DATA_DIR: dataDir,
        BRIDGE_HOST: '127.0.0.1',
        BRIDGE_PORT: String(port),
      });
      const [program, ...args] = options.command ?? [process.execPath, CLI_JS, 'serve'];
      const child = spawn(program!, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      const daemon = new DaemonProcess(child, dataDir, port, publicUrl, env);
      try {
        await daemon.waitHealthy(options.readyTimeoutMs ?? 20_000, options.readyWhenUnhealthy ? [200, 503] : [200]);
        return daemon;
      } catch (error) {
        if (daemon.exitStatus === undefined) {
          child.kill('SIGKILL');
          await daemon.exited;
        }
        // Someone took the free port between our probe and the daemon's listen: try another.
        if (options.port === undefined && attempt < 3 && /EADDRINUSE/.test(daemon.stderr)) continue;
        throw error;
      }
    }
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.exitStatus === undefined;
  }

  /** stdout parsed as pino JSON lines (a line that is not JSON is kept as `{ raw }`). */
  get logs(): Record<string, unknown>[] {
    return this.stdoutLines.map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return { raw: line };
      }
    });
  }

  /**
   * Waits until a stdout log line matches, and returns it. A line reaches the test through a pipe
   * some time after the answer it belongs to: never read `logs` right after a request. Timing
   * assumption: a line arrives within `timeoutMs` (30 s) of being written; then it fails with the tail.
   */
  async waitForLog(match: (line: Record<string, unknown>) => boolean, what: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.logs.find(match);
      if (line) return line;
      if (Date.now() > deadline) throw new Error(`no log line ${what} within ${timeoutMs / 1000} s\n${this.tail()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The last lines of stdout and stderr, for an assertion message. */
  tail(lines = 30): string {
    return `--- stdout (last ${lines}) ---\n${this.stdoutLines.slice(-lines).join('\n')}\n--- stderr ---\n${this.stderr.slice(-4000)}`;
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.running) this.child.kill(signal);
  }

  waitExit(timeoutMs = 15_000): Promise<ExitStatus> {
    if (this.exitStatus) return Promise.resolve(this.exitStatus);
    return new Promise((resolveExit, reject) => {
      const timer = setTimeout(() => reject(new Error(`daemon pid ${this.pid} did not exit within ${timeoutMs} ms\n${this.tail()}`)), timeoutMs);
      void this.exited.then((status) => {
        clearTimeout(timer);
        resolveExit(status);
      });
    });
  }

  /** SIGTERM and wait; SIGKILL if it hangs. Safe to call twice. */
  async stop(): Promise<ExitStatus> {
    if (!this.running) return this.exitStatus!;
    this.kill('SIGTERM');
    try {
      return await this.waitExit(10_000);
    } catch {
      this.kill('SIGKILL');
      return this.waitExit();
    }
  }

  async waitHealthy(timeoutMs = 20_000, statuses: readonly number[] = [200]): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer';
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`the daemon exited (${JSON.stringify(this.exitStatus)}) before it was healthy\n${this.tail()}`);
      try {
        const response = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(2000) });
        last = `${response.status} ${await response.text()}`;
        if (statuses.includes(response.status)) return;
      } catch (error) {
        last = String((error as Error).cause ?? error);
      }
      await new Promise((r) => setTimeout(r, 40));
    }
    throw new Error(`the daemon was not healthy within ${timeoutMs} ms (last: ${last})\n${this.tail()}`);
  }
}

// The OAuth test client lives in ./oauthClient.ts; process tests reach it through here too.
export {
  basicAuth,
  httpSender,
  OAuthClient,
  rawRequest,
  settleRaw,
  type ConsentPage,
  type LinkedTokens,
  type RawRequest,
  type RawResponse,
  type Send,
  type TokenAnswer,
} from './oauthClient.ts';
