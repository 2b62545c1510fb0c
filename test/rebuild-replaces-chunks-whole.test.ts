// A daemon loads some chunks of dist/ only at first use (the setup page, the admin app), and the
// add-on tests rebuild dist/ while other tests run it. esbuild rewrote each file in place, so a
// daemon could import a chunk while it was being written: "wait is not a function" from an empty
// waitForConfig chunk. The bundle script now writes each file beside it and renames it over the
// old one, so a reader gets the old file or the new one. A file renamed over another is a new
// inode; one rewritten in place keeps its inode: that is what this checks.
// Needs `npm run build`; rebuilds dist/ from the same sources (same file names and contents).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { builtScripts } from './helpers/build-record.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const DIST = path.join(ROOT, 'dist');

function scripts(): Map<string, { inode: number; text: string }> {
  const found = new Map<string, { inode: number; text: string }>();
  for (const name of builtScripts(ROOT)) {
    const file = path.join(DIST, name);
    found.set(name, { inode: statSync(file).ino, text: readFileSync(file, 'utf8') });
  }
  return found;
}

test('a rebuild replaces every file of dist/ whole (rename), never rewriting one in place', () => {
  const before = scripts();
  assert.ok(before.has('cli.js'), 'dist/cli.js is missing: run npm run build');
  const bundle = spawnSync(process.execPath, ['src/build/bundle.mjs'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(bundle.status, 0, bundle.stderr);
  const after = scripts();
  assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort(), 'the same sources give the same files');
  for (const [name, { inode, text }] of after) {
    assert.equal(text, before.get(name)!.text, `${name} changed`);
    assert.notEqual(inode, before.get(name)!.inode, `${name} was rewritten in place`);
  }
});
