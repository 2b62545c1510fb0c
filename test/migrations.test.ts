import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Collection } from '../src/storage/collection.ts';
import { DataFile } from '../src/storage/dataFile.ts';
import { tempDir } from './helpers/bridge.ts';

interface Pet {
  name: string;
  legs: number;
}

// The mechanism every data file uses: `migrations[n]` turns version n+1 into n+2 on start.
function petsFile(path: string) {
  const pets = new Collection<Pet>((pet) => pet.name);
  const file = new DataFile({
    path,
    collections: { pets },
    migrations: [
      // v1 → v2: `animals` became `pets`.
      (document) => ({ pets: document['animals'] }),
      // v2 → v3: every pet gained a leg count.
      (document) => ({ pets: (document['pets'] as { name: string }[]).map((pet) => ({ ...pet, legs: 4 })) }),
    ],
  });
  return { pets, file };
}

test('a data file migrates forward step by step on open, and is written back at the new version', async () => {
  const path = join(await tempDir(), 'pets.json');
  const original = JSON.stringify({ version: 1, animals: [{ name: 'rex' }] });
  await writeFile(path, original);
  const { pets, file } = petsFile(path);
  await file.open();
  assert.equal(file.version, 3);
  assert.deepEqual(pets.get('rex'), { name: 'rex', legs: 4 });
  assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), { version: 3, seq: 0, pets: [{ name: 'rex', legs: 4 }] });
  // The version before the migration is kept as the backup.
  assert.equal(await readFile(`${path}.bak`, 'utf8'), original);
  await file.close();
});

test('a file from a newer version of the program is refused, not guessed at', async () => {
  const path = join(await tempDir(), 'pets.json');
  await writeFile(path, JSON.stringify({ version: 9, pets: [] }));
  await assert.rejects(petsFile(path).file.open(), /has version 9, newer than this program's 3/);
});

test('a file that does not parse stops the open, names itself and the command that restores the backup', async () => {
  const path = join(await tempDir(), 'pets.json');
  await writeFile(path, JSON.stringify({ version: 3, pets: [{ name: 'tom', legs: 4 }] }));
  const { file, pets } = petsFile(path);
  await file.open();
  pets.put({ name: 'jerry', legs: 4 });
  await file.commit();
  await file.close();
  // Reopening folds the journal into a new snapshot: the first version becomes the .bak.
  await petsFile(path).file.open();
  await writeFile(path, '{"version": 3, "pets": [');
  const error = await petsFile(path).file.open().then(() => undefined, (caught: Error) => caught);
  assert.ok(error);
  assert.match(error.message, new RegExp(`${path} is not valid JSON`));
  assert.match(error.message, new RegExp(`cp '${path}\\.bak' '${path}'`));
  // The backup is the last good version before the current one.
  assert.deepEqual(JSON.parse(await readFile(`${path}.bak`, 'utf8')), { version: 3, pets: [{ name: 'tom', legs: 4 }] });
  assert.equal(pets.size, 2);
});
