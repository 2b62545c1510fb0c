import assert from 'node:assert/strict';
import { mkdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI_JS, DaemonProcess, REPO_ROOT } from './helpers/daemon-process.ts';
// @ts-expect-error: plain JavaScript run by `npm start` before anything is built; no types.
import { inputDigests, staleReason, writeBuildRecord } from '../src/build/buildRecord.mjs';

// `npm start` used to type-check and bundle on every start (7–61 s to healthy on a busy
// machine). It now builds only when dist/ is not what a build of the current sources wrote
// (dist/build.json; start-rebuilds-stale-dist.test.ts has the cases times got wrong).

const stale = staleReason as (root: string) => string | undefined;
const record = writeBuildRecord as (root: string, inputs: unknown, outputs: string[]) => void;
const digests = inputDigests as (root: string) => unknown;

/** A tree shaped like the repository, built: src/, tsconfig.json, package.json, package-lock.json, dist/. */
async function fakeTree(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'bridge-stale-'));
  mkdirSync(join(root, 'src', 'cli'), { recursive: true });
  mkdirSync(join(root, 'dist'));
  for (const file of ['src/cli/a.ts', 'src/b.ts', 'package.json', 'package-lock.json', 'tsconfig.json']) writeFileSync(join(root, file), file);
  return root;
}

test('a built tree is not rebuilt, even when only times changed; a changed, added or deleted source is', async (t) => {
  const root = await fakeTree();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  assert.match(stale(root) ?? '', /dist\/cli\.js does not exist yet/);

  writeFileSync(join(root, 'dist/cli.js'), 'built');
  assert.equal(stale(root), 'dist/ has no dist/build.json from npm run build');
  record(root, digests(root), ['dist/cli.js']);
  assert.equal(stale(root), undefined);

  utimesSync(join(root, 'src/cli/a.ts'), new Date(), new Date()); // saved again, unchanged (or a fresh checkout)
  assert.equal(stale(root), undefined);

  writeFileSync(join(root, 'src/cli/a.ts'), 'edited deep in src/');
  assert.match(stale(root) ?? '', /^src changed/);
  writeFileSync(join(root, 'src/cli/a.ts'), 'src/cli/a.ts');
  assert.equal(stale(root), undefined);

  writeFileSync(join(root, 'src/cli/new.ts'), ''); // added
  assert.match(stale(root) ?? '', /^src changed/);
  rmSync(join(root, 'src/cli/new.ts'));
  rmSync(join(root, 'src/b.ts')); // deleted
  assert.match(stale(root) ?? '', /^src changed/);
  writeFileSync(join(root, 'src/b.ts'), 'src/b.ts');

  writeFileSync(join(root, 'package-lock.json'), '{}'); // a dependency changed
  assert.match(stale(root) ?? '', /^package-lock\.json changed/);
});

test('npm start on a built tree serves without building again', async (t) => {
  // `npm test` builds first; run by hand, build first (`npm run build`).
  assert.equal(stale(REPO_ROOT), undefined, 'dist/ is not a build of these sources: run npm run build first');
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
