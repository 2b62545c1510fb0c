import * as fs from 'node:fs/promises';
import { dirname } from 'node:path';

/** The file operations a durable write uses; tests swap them to inject disk faults. */
export type FileIo = Pick<typeof fs, 'open' | 'link' | 'rename' | 'unlink'>;

/**
 * Replaces `path` with `text` so that a crash or power cut at any moment leaves either the old
 * or the new file, never a torn one: temp file, fsync, keep the old version as `.bak`, rename,
 * fsync of the directory (the rename itself is only durable once the directory is synced).
 */
export async function writeFileDurably(path: string, text: string, io: FileIo = fs): Promise<void> {
  const temp = `${path}.tmp`;
  try {
    const file = await io.open(temp, 'w', 0o600);
    try {
      await file.writeFile(text);
      await file.sync();
    } finally {
      await file.close();
    }
    await keepBackup(path, io);
    await io.rename(temp, path);
    await syncDirectory(dirname(path), io);
  } catch (error) {
    await io.unlink(temp).catch(() => undefined);
    throw error;
  }
}

/** The current file becomes `.bak` by a hard link: no copy, and the file itself never goes missing. */
async function keepBackup(path: string, io: FileIo): Promise<void> {
  const staging = `${path}.bak.tmp`;
  await io.unlink(staging).catch(() => undefined);
  try {
    await io.link(path, staging);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // first write
    throw error;
  }
  await io.rename(staging, `${path}.bak`);
}

export async function syncDirectory(path: string, io: FileIo = fs): Promise<void> {
  const directory = await io.open(path, 'r');
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
