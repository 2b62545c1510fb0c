// Child server processes: spawn, wait for the first 200, read memory from /proc, stop.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeIdleConnections, request } from './flows.ts';

// Children still running when the benchmark ends, however it ends, are killed with it.
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const proc of live) proc.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(1));

const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 5_000;
const POLL_MS = 5;

export { freePort } from '../helpers/cli.ts';

export interface Memory {
  rssMiB: number;
  peakRssMiB: number;
}

/** VmRSS and VmHWM (the peak) of a live process, from /proc (Linux). */
function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMiB: kib('VmRSS') / 1024, peakRssMiB: kib('VmHWM') / 1024 };
}

/**
 * CPU time a live process has used so far, ns: the sum over its threads of the first field of
 * /proc/<pid>/task/<tid>/schedstat (time on a CPU, in ns; Linux). Threads that already ended are
 * not counted; the servers' threads (main, V8's, libuv's pool) live as long as the process.
 */
function cpuNsOf(pid: number): number {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return total;
}

export interface ServerSpec {
  command: string;
  args: string[];
  env: Record<string, string>;
  healthUrl: string;
  /** stdout and stderr go to this file, read back when the run is summarised. */
  logFile: string;
}

export interface Child {
  pid: number;
  /** Spawn to first 200 on the health URL, ms. */
  coldStartMs: number;
  /** CPU time its threads had used by then, ms (read just after the first 200). */
  startCpuMs: number;
  logFile: string;
  memory(): Memory;
  /** CPU time used so far by all its threads, ns. */
  cpuNs(): number;
  stop(): Promise<void>;
}

async function waitHealthy(proc: ChildProcess, spec: ServerSpec): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`${spec.command} ${spec.args.join(' ')} exited ${proc.exitCode}`);
    const reply = await request(spec.healthUrl, { headers: { connection: 'close' } }).catch(() => undefined);
    if (reply?.status === 200) return;
    await sleep(POLL_MS);
  }
  throw new Error(`${spec.healthUrl} not 200 within ${START_TIMEOUT_MS} ms`);
}

async function stopChild(proc: ChildProcess): Promise<void> {
  closeIdleConnections();
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGTERM');
  if (await Promise.race([exited.then(() => true), sleep(STOP_TIMEOUT_MS, false)])) return;
  proc.kill('SIGKILL');
  await exited;
}

/** Starts a server and waits until it answers 200; the log file tail is in the error if not. */
export async function startServer(spec: ServerSpec): Promise<Child> {
  const log = openSync(spec.logFile, 'a');
  const began = performance.now();
  const proc = spawn(spec.command, spec.args, {
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  try {
    await waitHealthy(proc, spec);
  } catch (error) {
    await stopChild(proc);
    const tail = readFileSync(spec.logFile, 'utf8').slice(-2000);
    throw new Error(`${(error as Error).message}\n--- ${spec.logFile} ---\n${tail}`);
  }
  const pid = proc.pid!;
  const coldStartMs = performance.now() - began;
  return {
    pid,
    coldStartMs,
    startCpuMs: cpuNsOf(pid) / 1e6,
    logFile: spec.logFile,
    memory: () => memoryOf(pid),
    cpuNs: () => cpuNsOf(pid),
    stop: () => stopChild(proc),
  };
}

/** Runs a short command to completion (the bridge CLI); rejects with its stderr on failure. */
export function runCommand(command: string, args: string[], env: Record<string, string>, stdin = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    proc.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    proc.on('error', reject);
    proc.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')} → exit ${code}: ${err.trim()}`)),
    );
    proc.stdin.end(stdin);
  });
}

export interface LogSummary {
  lines: number;
  byLevel: Record<string, number>;
  /** First distinct warn/error/fatal messages. */
  problems: string[];
}

// Pino's numeric levels; the peer writes its server errors in the same shape.
const PINO_LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** Reads a child's log (pino JSON lines, or text): how much it wrote at each level and what went wrong. */
export function summarizeLog(file: string): LogSummary {
  const summary: LogSummary = { lines: 0, byLevel: {}, problems: [] };
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    summary.lines += 1;
    let level = 'text';
    let message = line;
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
      level = PINO_LEVELS[entry.level ?? 0] ?? String(entry.level);
      message = [entry.msg, entry.err?.message].filter(Boolean).join(': ');
    } catch {
      // Not JSON: counted as plain text.
    }
    summary.byLevel[level] = (summary.byLevel[level] ?? 0) + 1;
    const bad = level === 'warn' || level === 'error' || level === 'fatal';
    if (bad && summary.problems.length < 5 && !summary.problems.includes(message)) summary.problems.push(message);
  }
  return summary;
}
