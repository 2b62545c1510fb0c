import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { ISSUER } from './bridge.ts';

/** The built command line (`npm test` builds it first; by hand: `npx tsc -p tsconfig.json`). */
export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface CliResult extends Exit {
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Passed as the global `--data-dir`. */
  dataDir?: string;
  env?: Record<string, string>;
  /** Written to standard input, which is then closed. */
  input?: string;
  timeoutMs?: number;
}

/** This process's environment without any bridge setting, plus `env`: the child sees only what the test says. */
function childEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const inherited = Object.entries(process.env).filter(([name]) => !name.startsWith('BRIDGE_') && name !== 'SUPERVISOR_TOKEN');
  return { ...Object.fromEntries(inherited), ...env };
}

function spawnCli(args: string[], options: CliOptions): ChildProcessWithoutNullStreams {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build it with npx tsc -p tsconfig.json`);
  const child = spawn(process.execPath, [CLI, ...(options.dataDir ? ['--data-dir', options.dataDir] : []), ...args], {
    env: childEnv(options.env),
    stdio: 'pipe',
  });
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdin.end(options.input ?? '');
  return child;
}

/** Resolves once the child exited and its output is fully read. */
function closed(child: ChildProcessWithoutNullStreams, output: { stdout: string; stderr: string }): Promise<CliResult> {
  child.stdout.on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr.on('data', (chunk: string) => (output.stderr += chunk));
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal, ...output })));
}

/** Runs `node dist/cli.js ARGS` to its end. */
export async function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const child = spawnCli(args, options);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
  try {
    return await closed(child, { stdout: '', stderr: '' });
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a command that must succeed and print JSON; returns the JSON. */
export async function cliJson<T = unknown>(args: string[], options: CliOptions = {}): Promise<T> {
  const result = await runCli(args, options);
  assert.equal(result.code, 0, `${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

/** A failure as the contract says: exit 1 and one plain line on stderr. */
export function assertFailedWithOneLine(result: CliResult, pattern?: RegExp): void {
  assert.equal(result.code, 1, `expected exit 1, got ${result.code}: ${result.stderr}`);
  assert.match(result.stderr, /^[^\n]+\n$/, `expected one stderr line, got ${JSON.stringify(result.stderr)}`);
  if (pattern) assert.match(result.stderr, pattern);
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no TCP port');
  return address.port;
}

export interface ServeProcess {
  url: string;
  pid: number;
  /** What it printed so far. */
  output: { stdout: string; stderr: string };
  exited: Promise<CliResult>;
  /** Sends `signal` (SIGTERM by default) unless it already ended; resolves with how it ended. */
  stop(signal?: NodeJS.Signals): Promise<CliResult>;
}

/** `node dist/cli.js serve` as a real process on a free port; resolves once /health answers 200. */
export async function startServe(dataDir: string, env: Record<string, string> = {}): Promise<ServeProcess> {
  const port = await freePort();
  const child = spawnCli(['serve'], {
    dataDir,
    env: { BRIDGE_HOST: '127.0.0.1', BRIDGE_PORT: String(port), BRIDGE_PUBLIC_URL: ISSUER, BRIDGE_LOG_LEVEL: 'info', ...env },
  });
  const output = { stdout: '', stderr: '' };
  const exited = closed(child, output);
  let ended = false;
  void exited.then(() => (ended = true));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (ended) throw new Error(`serve exited before it was healthy: ${output.stderr}`);
    const status = await fetch(`${url}/health`).then((response) => response.status, () => 0);
    if (status === 200) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`serve not healthy within 20 s: ${output.stderr}`);
    }
    await sleep(50);
  }
  return {
    url,
    pid: child.pid!,
    output,
    exited,
    stop(signal = 'SIGTERM') {
      if (!ended) child.kill(signal);
      return exited;
    },
  };
}
