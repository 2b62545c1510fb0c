import { mkdir, readdir } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { BridgeContext } from '../context.js';
import { writeFileDurably } from '../storage/atomicWrite.js';
import { CommandFailure } from './failure.js';

export interface BackupResult {
  /** The directory written, absolute. */
  directory: string;
  /** The data files in it, e.g. `clients.json`. */
  files: string[];
  clients: number;
  users: number;
  grants: number;
}

/**
 * `backup <dir>`: writes a consistent copy of every data file (clients, users, grants and codes,
 * flows) into `dir`, a new or empty directory, while the daemon keeps serving. Every pending
 * write is committed first; then all files are serialized in one synchronous step, so the copy
 * is the store at one instant, and each is written durably (fsync). Restoring: stop the daemon,
 * copy the files into an empty data dir, start it. Throws CommandFailure when `dir` is not
 * absolute or holds anything.
 */
export async function writeBackup(context: BridgeContext, dir: string): Promise<BackupResult> {
  if (!isAbsolute(dir)) throw new CommandFailure(`the backup directory must be an absolute path: ${dir}`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if ((await readdir(dir)).length > 0) throw new CommandFailure(`${dir} is not empty: give a new or empty directory`);
  const { store } = context;
  const documents = await store.snapshot();
  const counts = { clients: store.clients.size, users: store.users.size, grants: store.grants.size };
  for (const { name, text } of documents) await writeFileDurably(join(dir, name), text);
  context.log.info({ directory: dir, ...counts }, 'backup written');
  return { directory: dir, files: documents.map((d) => d.name), ...counts };
}
