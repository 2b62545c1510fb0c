import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export class LockHeldError extends Error {
  constructor(
    readonly pid: number,
    dataDir: string,
  ) {
    super(`another alexa-oauth-bridge (pid ${pid}) is using ${dataDir}`);
  }
}

/**
 * One writer per data dir: a lock file holding the owner's pid, created exclusively. A lock
 * whose process is gone (a crash, a power cut, a restarted container where the pid is reused
 * by ourselves) is taken over.
 */
export class DataDirLock {
  private constructor(private readonly path: string) {}

  static async acquire(dataDir: string): Promise<DataDirLock> {
    const path = join(dataDir, 'bridge.lock');
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const file = await open(path, 'wx', 0o600);
        await file.writeFile(`${process.pid}\n`);
        await file.close();
        return new DataDirLock(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = await readOwner(path);
      if (owner !== undefined && owner !== process.pid && isAlive(owner)) throw new LockHeldError(owner, dataDir);
      await unlink(path).catch(() => undefined);
    }
    throw new Error(`could not take the lock ${path}`);
  }

  async release(): Promise<void> {
    await unlink(this.path).catch(() => undefined);
  }
}

async function readOwner(path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const pid = Number.parseInt(text, 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
