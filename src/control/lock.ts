import { createConnection, createServer, type Server } from 'node:net';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';

export class LockHeldError extends Error {
  constructor(
    readonly pid: number | undefined,
    dataDir: string,
  ) {
    super(`another alexa-oauth-bridge${pid ? ` (pid ${pid})` : ''} is using ${dataDir}`);
  }
}

/** How a probe of an existing lock went: someone answers it, or nothing listens there any more. */
type Probe = { alive: true; pid: number | undefined } | { alive: false };

const PROBE_TIMEOUT_MS = 2000;

/**
 * One writer per data dir (the daemon, or a CLI command run while no daemon runs). The lock is a
 * Unix socket, `bridge.lock`, that its holder listens on: binding a path that exists fails, and
 * whether the holder still lives is decided by the socket answering, never by a pid, which the
 * system hands out again (a lock left by a crash, or by an older version as a plain file, names
 * a dead pid that may now be someone else's). The holder answers each connection with its pid,
 * for the message.
 */
export class DataDirLock {
  private constructor(
    private readonly path: string,
    private readonly server: Server,
  ) {}

  static async acquire(dataDir: string): Promise<DataDirLock> {
    const path = join(dataDir, 'bridge.lock');
    for (let attempt = 0; attempt < 3; attempt++) {
      const server = createServer((socket) => {
        socket.on('error', () => socket.destroy());
        socket.end(`${process.pid}\n`);
      });
      try {
        await listen(server, path);
        return new DataDirLock(path, server);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
      }
      const probe = await probeLock(path);
      if (probe.alive) throw new LockHeldError(probe.pid, dataDir);
      // Nobody listens: the holder is gone. (Two processes taking over the same stale lock at the
      // same instant could both unlink it; the window is one unlink and one bind wide.)
      await unlink(path).catch(() => undefined);
    }
    throw new Error(`could not take the lock ${path}`);
  }

  async release(): Promise<void> {
    // The file goes first: once closed, a newcomer may bind the path, and that one is not ours to remove.
    await unlink(this.path).catch(() => undefined);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Connects to an existing lock: an answer means its holder lives; a refusal (or a plain file) means it is gone. */
function probeLock(path: string): Promise<Probe> {
  return new Promise((resolve) => {
    const socket = createConnection(path);
    let reply = '';
    let connected = false;
    socket.setEncoding('utf8');
    // A holder that is alive but too busy to answer still holds the lock.
    socket.setTimeout(PROBE_TIMEOUT_MS, () => {
      socket.destroy();
      resolve({ alive: true, pid: undefined });
    });
    socket.on('connect', () => (connected = true));
    socket.on('data', (chunk: string) => (reply += chunk));
    socket.on('end', () => {
      const pid = Number.parseInt(reply, 10);
      resolve({ alive: true, pid: Number.isInteger(pid) && pid > 0 ? pid : undefined });
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // ECONNREFUSED: a socket file nobody listens on, or an older version's plain lock file.
      // EACCES: someone else's lock, which is not ours to judge.
      const gone = !connected && error.code !== 'EACCES' && error.code !== 'EPERM';
      resolve(gone ? { alive: false } : { alive: true, pid: undefined });
    });
  });
}
