// A Docker engine for the add-on image test: the machine's own daemon when one
// answers, otherwise a private dockerd (Debian's docker.io) started here with
// its own data root and socket, no bridge and no iptables rules, and stopped
// again afterwards. Where neither works, `skip` says why, so the test can skip.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface DockerResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface ContainerEngine {
  /** Runs `docker ARGS` against this engine; never throws for a non-zero exit. */
  docker(args: string[], options?: { input?: string; timeoutMs?: number }): Promise<DockerResult>;
  /** Like docker(), but a non-zero exit throws with docker's stderr. */
  dockerOk(args: string[], options?: { timeoutMs?: number }): Promise<string>;
  /** The last lines of the private daemon's log (empty for the machine's own daemon), for a failure message. */
  logTail(lines: number): Promise<string>;
  /** Stops the private daemon, if this helper started one, and removes its files. */
  close(): Promise<void>;
}

export type EngineOrSkip = { engine: ContainerEngine } | { skip: string };

function run(file: string, args: string[], env: NodeJS.ProcessEnv, options: { input?: string; timeoutMs?: number } = {}): Promise<DockerResult> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: options.timeoutMs ?? 120_000, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        const status = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ status, stdout, stderr: stderr || (error && status === null ? String(error.message) : '') });
      },
    );
    // docker may exit without reading its input (a failed command): that is not an error here.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(options.input ?? '');
  });
}

function engineAt(dockerHost: string, close: () => Promise<void>, logFile?: string): ContainerEngine {
  const env = { ...process.env, DOCKER_HOST: dockerHost, DOCKER_BUILDKIT: '0' };
  const docker: ContainerEngine['docker'] = (args, options) => run('docker', args, env, options);
  return {
    docker,
    async dockerOk(args, options) {
      const result = await docker(args, options);
      if (result.status !== 0) throw new Error(`docker ${args.join(' ')} exited ${String(result.status)}: ${result.stderr.trim()}`);
      return result.stdout;
    },
    async logTail(lines) {
      if (!logFile) return '';
      return (await readFile(logFile, 'utf8').catch(() => '')).trim().split('\n').slice(-lines).join('\n');
    },
    close,
  };
}

async function answers(dockerHost: string): Promise<boolean> {
  const result = await run('docker', ['version', '--format', '{{.Server.Version}}'], { ...process.env, DOCKER_HOST: dockerHost }, { timeoutMs: 15_000 });
  return result.status === 0;
}

/**
 * The machine's daemon (DOCKER_HOST, or /var/run/docker.sock) if it answers; else a private
 * `dockerd` when we are root. Waits up to 60 s for the private one to answer (a loaded machine).
 */
export async function startContainerEngine(): Promise<EngineOrSkip> {
  const probe = await run('docker', ['--version'], process.env, { timeoutMs: 15_000 });
  if (probe.status !== 0) return { skip: 'no docker command (Debian package docker.io)' };
  const existing = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  if (await answers(existing)) return { engine: engineAt(existing, async () => undefined) };
  if (process.getuid?.() !== 0) return { skip: `no Docker daemon answers at ${existing}, and starting one needs root` };
  const dockerd = await run('dockerd', ['--version'], process.env, { timeoutMs: 15_000 });
  if (dockerd.status !== 0) return { skip: 'no Docker daemon runs and there is no dockerd to start (Debian package docker.io)' };

  const dir = await mkdtemp(path.join(os.tmpdir(), 'bridge-dockerd-'));
  const socket = `unix://${path.join(dir, 'docker.sock')}`;
  const logFile = path.join(dir, 'dockerd.log');
  const { openSync } = await import('node:fs');
  const log = openSync(logFile, 'a');
  const child: ChildProcess = spawn(
    'dockerd',
    [
      '--iptables=false', '--ip-masq=false', '--bridge=none',
      '--data-root', path.join(dir, 'root'),
      '--exec-root', path.join(dir, 'exec'),
      '--pidfile', path.join(dir, 'dockerd.pid'),
      '--host', socket,
    ],
    { stdio: ['ignore', log, log] },
  );
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  // dockerd leaves mounts under its exec root (netns/default) when it exits: unmount, then remove.
  const removeDir = async () => {
    const mounts = (await readFile('/proc/self/mounts', 'utf8').catch(() => ''))
      .split('\n')
      .map((line) => line.split(' ')[1] ?? '')
      .filter((point) => point.startsWith(`${dir}/`))
      .sort((a, b) => b.length - a.length);
    for (const point of mounts) await run('umount', ['-l', point], process.env, { timeoutMs: 15_000 });
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  };
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      // dockerd stops its containers and containerd first; a loaded machine takes a while.
      await Promise.race([exit, sleep(60_000, undefined, { ref: false })]);
      if (!exited) child.kill('SIGKILL');
      await exit;
    }
    await removeDir();
  };
  for (let waited = 0; waited < 60_000; waited += 500) {
    if (exited) break;
    if (await answers(socket)) return { engine: engineAt(socket, stop, logFile) };
    await sleep(500);
  }
  const tail = await engineAt(socket, stop, logFile).logTail(5);
  await stop();
  return { skip: `a private dockerd did not start:\n${tail}` };
}
