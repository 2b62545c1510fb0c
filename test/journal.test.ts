import assert from 'node:assert/strict';
import { appendFile, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Collection } from '../src/storage/collection.ts';
import { DataFile } from '../src/storage/dataFile.ts';
import { tempDir } from './helpers/bridge.ts';

interface Note {
  id: string;
  text: string;
}

async function notesFile(dir: string) {
  const notes = new Collection<Note>((note) => note.id);
  const file = new DataFile({ path: join(dir, 'notes.json'), collections: { notes } });
  await file.open();
  return { notes, file };
}

test('a commit appends only what changed to the journal; reopening replays it and folds it into the snapshot', async () => {
  const dir = await tempDir();
  const { notes, file } = await notesFile(dir);
  for (let i = 0; i < 50; i++) notes.put({ id: `n${i}`, text: 'x'.repeat(100) });
  await file.commit();
  notes.put({ id: 'n7', text: 'changed' });
  notes.delete('n8');
  // The first commit of a new file wrote the snapshot; there is no journal yet.
  await assert.rejects(stat(join(dir, 'notes.journal')), { code: 'ENOENT' });
  await file.commit();
  const line = await readFile(join(dir, 'notes.journal'), 'utf8');
  assert.deepEqual(JSON.parse(line), { seq: 2, changes: { notes: { put: [{ id: 'n7', text: 'changed' }], deleted: ['n8'] } } });
  await file.close();

  const reopened = await notesFile(dir);
  assert.equal(reopened.notes.size, 49);
  assert.equal(reopened.notes.get('n7')?.text, 'changed');
  assert.equal((await stat(join(dir, 'notes.journal'))).size, 0, 'folded into the snapshot on open');
  await reopened.file.close();
});

test('a torn last journal line (a crash mid-append) is skipped; the commits before it survive', async () => {
  const dir = await tempDir();
  const { notes, file } = await notesFile(dir);
  notes.put({ id: 'a', text: 'kept' });
  await file.commit();
  await file.close();
  await appendFile(join(dir, 'notes.journal'), '{"seq":2,"changes":{"notes":{"put":[{"id":"b"');
  const reopened = await notesFile(dir);
  assert.deepEqual(reopened.notes.toArray(), [{ id: 'a', text: 'kept' }]);
  await reopened.file.close();
});

test('journal lines older than the snapshot are never replayed over it', async () => {
  const dir = await tempDir();
  await writeFile(join(dir, 'notes.json'), JSON.stringify({ version: 1, seq: 5, notes: [{ id: 'a', text: 'new' }] }));
  // Left behind when a crash came between writing a snapshot and emptying the journal.
  await writeFile(join(dir, 'notes.journal'), `${JSON.stringify({ seq: 5, changes: { notes: { put: [{ id: 'a', text: 'old' }], deleted: [] } } })}\n`);
  const { notes, file } = await notesFile(dir);
  assert.equal(notes.get('a')?.text, 'new');
  await file.close();
});

test('the journal is folded into a new snapshot once it outgrows it', async () => {
  const dir = await tempDir();
  const { notes, file } = await notesFile(dir);
  notes.put({ id: 'big', text: 'y'.repeat(1000) });
  await file.commit();
  let folded = false;
  for (let i = 0; i < 2000 && !folded; i++) {
    notes.put({ id: 'big', text: `${i}`.padEnd(1000, 'z') });
    await file.commit();
    folded = (await stat(join(dir, 'notes.journal'))).size === 0;
  }
  assert.ok(folded, 'the journal was emptied into the snapshot');
  assert.equal(JSON.parse(await readFile(join(dir, 'notes.json'), 'utf8')).notes.length, 1);
  await file.close();
});
