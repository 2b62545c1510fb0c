// A commit resolves only once its journal line is on disk, so an answer never leaves before its
// write is durable. The journal is opened O_SYNC, so the append itself waits for the disk; this
// reads the descriptor's flags from the kernel (Linux /proc/self/fdinfo) and the order of the
// file operations, so a change that drops the sync, or answers before the write, fails here.
import assert from 'node:assert/strict';
import { constants } from 'node:fs';
import * as fs from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FileIo } from '../src/storage/atomicWrite.ts';
import { Collection } from '../src/storage/collection.ts';
import { DataFile } from '../src/storage/dataFile.ts';
import { tempDir } from './helpers/bridge.ts';

/** The open flags the kernel holds for a descriptor of this process. */
function kernelFlags(fd: number): number {
  return Number.parseInt(/^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1]!, 8);
}

test('each journal append is synced before commit() resolves', async () => {
  const dir = await tempDir();
  const events: string[] = [];
  const journalFds: number[] = [];
  const io: FileIo = {
    ...fs,
    open: (async (path: string, flags?: string, mode?: number) => {
      const handle = await fs.open(path, flags, mode);
      if (!String(path).endsWith('.journal')) return handle;
      journalFds.push(handle.fd);
      const spied = Object.create(handle) as fs.FileHandle;
      for (const name of ['appendFile', 'write', 'writeFile', 'datasync', 'sync'] as const) {
        const original = (handle[name] as (...args: unknown[]) => Promise<unknown>).bind(handle);
        Object.assign(spied, { [name]: async (...args: unknown[]) => {
          events.push(`${name} start`);
          const result = await original(...args);
          events.push(`${name} done`);
          return result;
        } });
      }
      Object.assign(spied, { close: () => handle.close(), truncate: (length: number) => handle.truncate(length) });
      return spied;
    }) as FileIo['open'],
  };
  const notes = new Collection<{ id: string }>((note) => note.id);
  const file = new DataFile({ path: join(dir, 'notes.json'), collections: { notes }, io });
  await file.open();
  notes.put({ id: 'first' }); // a new file's first commit is a snapshot
  await file.commit();

  for (let i = 0; i < 3; i++) {
    notes.put({ id: `n${i}` });
    const committed = file.commit().then(() => events.push('commit resolved'));
    await committed;
  }
  assert.equal(journalFds.length, 1);
  const synced = (kernelFlags(journalFds[0]!) & constants.O_SYNC) === constants.O_SYNC;
  const writes = events.filter((event) => event === 'commit resolved').length;
  assert.equal(writes, 3);
  // Every resolution follows a finished write, and that write was durable: made on an O_SYNC
  // descriptor, or followed by a finished datasync/sync before the commit resolved.
  let lastWriteDone = -1;
  let syncedSinceWrite = false;
  for (const [index, event] of events.entries()) {
    if (event === 'appendFile done' || event === 'write done' || event === 'writeFile done') {
      lastWriteDone = index;
      syncedSinceWrite = synced;
    }
    if (event === 'datasync done' || event === 'sync done') syncedSinceWrite = true;
    if (event === 'commit resolved') {
      assert.notEqual(lastWriteDone, -1, 'a commit resolved before any journal write');
      assert.equal(syncedSinceWrite, true, `commit resolved before its write was synced: ${events.slice(0, index + 1).join(', ')}`);
      lastWriteDone = -1;
    }
  }
  await file.close();
});
