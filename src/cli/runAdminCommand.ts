import { mkdir } from 'node:fs/promises';
import { pino } from 'pino';
import type { Config } from '../config/schema.js';
import { runAdminCommand, type AdminCommandArgs, type AdminCommandName, type AdminCommandResult } from '../control/commands.js';
import { DataDirLock, LockHeldError } from '../control/lock.js';
import { sendToDaemon, type DaemonCommandName } from '../control/socket.js';
import { CommandFailure } from '../services/failure.js';
import { Store } from '../storage/store.js';

const LOCK_WAIT_MS = 5000;

/**
 * Runs an admin command in the running daemon, so it takes effect at once and nothing either
 * side writes is lost; with no daemon, runs it here under the data dir lock.
 */
export async function runCommandSomewhere<N extends AdminCommandName>(
  config: Config,
  name: N,
  args: AdminCommandArgs<N>,
): Promise<AdminCommandResult<N>> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    const reply = await sendToDaemon(config.dataDir, name, args);
    if (reply) {
      if (!reply.ok) throw new CommandFailure(reply.error);
      return reply.result as AdminCommandResult<N>;
    }
    const lock = await tryLock(config.dataDir);
    if (lock) {
      try {
        const store = await Store.open(config.dataDir);
        try {
          return await runAdminCommand({ config, store, clock: Date.now, log: pino({ level: 'silent' }) }, name, args);
        } finally {
          await store.close();
        }
      } finally {
        await lock.release();
      }
    }
    // A daemon that is starting holds the lock before its socket listens; another CLI may hold it briefly.
    if (Date.now() > deadline) throw new CommandFailure(`${config.dataDir} is locked by another process that does not answer`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function tryLock(dataDir: string): Promise<DataDirLock | undefined> {
  process.umask(0o077);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  try {
    return await DataDirLock.acquire(dataDir);
  } catch (error) {
    if (error instanceof LockHeldError) return undefined;
    throw error;
  }
}

/** Runs a command only the running daemon can answer; fails when none runs on this data dir. */
export async function runInDaemon(config: Config, name: DaemonCommandName): Promise<unknown> {
  const reply = await sendToDaemon(config.dataDir, name, {});
  if (!reply) throw new CommandFailure(`no daemon is running on ${config.dataDir}: start it with serve, then run this again`);
  if (!reply.ok) throw new CommandFailure(reply.error);
  return reply.result;
}
