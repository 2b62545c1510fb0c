import assert from 'node:assert/strict';
import { mkdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI_JS, DaemonProcess, REPO_ROOT } from './helpers/daemon-process.ts';
// @ts-expect-error: plain JavaScript run by `npm start` before anything is built; no types.
import { staleReason } from '../src/build/build-if-stale.mjs';

// `npm start` used to type-check and bundle on every start (7–61 s to healthy on a busy
// machine). It now builds only when a source is newer than dist/cli.js.

const stale = staleReason as (root: string) => string | undefined;

/** A tree shaped like the repository: src/, tsconfig.json, package-lock.json, dist/; mtimes in seconds. */
async function fakeTree(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'bridge-stale-'));
  mkdirSync(join(root, 'src', 'cli'), { recursive: true });
  mkdirSync(join(root, 'dist'));
  for (const file of ['src/cli/a.ts', 'src/b.ts', 'package-lock.json', 'tsconfig.json']) writeFileSync(join(root, file), '');
  for (const path of ['src/cli/a.ts', 'src/b.ts', 'src/cli', 'src', 'package-lock.json', 'tsconfig.json']) utimesSync(join(root, path), 1000, 1000);
  return root;
}

test('a tree whose dist/cli.js is newer than every source is not rebuilt; a changed, added or deleted source is', async (t) => {
  const root = await fakeTree();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  assert.match(stale(root) ?? '', /dist\/cli\.js does not exist yet/);

  writeFileSync(join(root, 'dist/cli.js'), '');
  utimesSync(join(root, 'dist/cli.js'), 2000, 2000);
  assert.equal(stale(root), undefined);

  utimesSync(join(root, 'src/cli/a.ts'), 3000, 3000); // edited deep in src/
  assert.match(stale(root) ?? '', /^src changed/);
  utimesSync(join(root, 'src/cli/a.ts'), 1000, 1000);
  assert.equal(stale(root), undefined);

  utimesSync(join(root, 'src/cli'), 3000, 3000); // a file added to or deleted from src/cli
  assert.match(stale(root) ?? '', /^src changed/);
  utimesSync(join(root, 'src/cli'), 1000, 1000);

  utimesSync(join(root, 'package-lock.json'), 3000, 3000); // a dependency changed
  assert.match(stale(root) ?? '', /^package-lock\.json changed/);
});

test('npm start on a built tree serves without building again', async (t) => {
  // `npm test` builds first; run by hand, build first (`npm run build`).
  assert.equal(stale(REPO_ROOT), undefined, 'dist/cli.js is older than the sources: run npm run build first');
  const builtAt = statSync(CLI_JS).mtimeMs;
  // `npm start` execs the daemon (no shell in between), so npm's SIGTERM reaches it and it stops.
  const daemon = await DaemonProcess.start({ command: ['npm', 'start', '--silent'], env: { BRIDGE_ADMIN_PORT: 'off' } });
  t.after(() => daemon.stop());
  assert.doesNotMatch(daemon.stderr, /Building/);
  assert.equal(statSync(CLI_JS).mtimeMs, builtAt, 'dist/cli.js was rebuilt');
  const health = await fetch(`${daemon.url}/health`);
  assert.equal(health.status, 200);
  assert.equal((await daemon.stop()).code, 0, daemon.tail());
});
