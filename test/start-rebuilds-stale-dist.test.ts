// `npm start` built only when a source's modification time was newer than dist/cli.js. So it
// served the old build when sources came with older times (`tar x`, `cp -a`, `rsync -a` keep them;
// a clock that was ahead at the build does the same), and it did not rebuild when a chunk of the
// split bundle was missing or dist/cli.js was cut short: the daemon then failed with "Cannot find
// module …/dist/serve-….js". It now compares contents with dist/build.json, which the build writes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, copyFileSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, utimesSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { builtScripts } from './helpers/build-record.ts';
import { DaemonProcess, REPO_ROOT } from './helpers/daemon-process.ts';
// @ts-expect-error: plain JavaScript run by `npm start` before anything is built; no types.
import { staleReason } from '../src/build/buildRecord.mjs';

const stale = staleReason as (root: string) => string | undefined;

/** A copy of the built repository, times kept (`cp -a`), sharing its node_modules. `npm test` builds first. */
async function builtCopy(): Promise<string> {
  assert.equal(stale(REPO_ROOT), undefined, 'dist/ is not a build of these sources: run npm run build first');
  const root = await mkdtemp(join(tmpdir(), 'bridge-built-copy-'));
  execFileSync('cp', ['-a', 'src', 'dist', 'tsconfig.json', 'package.json', 'package-lock.json', root], { cwd: REPO_ROOT });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'));
  return root;
}

/** Runs `change` on a fresh copy of `path`, returns staleReason, then puts the file back with its time. */
function staleAfter(root: string, path: string, change: (file: string) => void): string | undefined {
  const file = join(root, path);
  const saved = `${file}.saved`;
  copyFileSync(file, saved);
  const { atime, mtime } = statSync(file);
  change(file);
  const reason = stale(root);
  copyFileSync(saved, file);
  rmSync(saved);
  utimesSync(file, atime, mtime);
  return reason;
}

test('a source changed with an older time than the build, a missing chunk or a cut dist/cli.js each need a build', async (t) => {
  const root = await builtCopy();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  assert.equal(stale(root), undefined);

  const longAgo = new Date(Date.now() - 2 * 86_400_000);
  const edited = staleAfter(root, 'src/version.ts', (file) => {
    appendFileSync(file, '\n// a newer release, unpacked with its own (older) times\n');
    utimesSync(file, longAgo, longAgo);
    utimesSync(join(root, 'src'), longAgo, longAgo);
  });
  assert.equal(edited, 'src changed since the last build');
  assert.equal(stale(root), undefined);

  const chunk = builtScripts(root).find((name) => /^serve-.*\.js$/.test(name));
  assert.ok(chunk, 'the bundle has a serve chunk');
  assert.equal(staleAfter(root, `dist/${chunk}`, (file) => rmSync(file)), `dist/${chunk} is missing`);
  assert.equal(staleAfter(root, 'dist/cli.js', (file) => truncateSync(file, 100)), 'dist/cli.js is not what the last build wrote');
  assert.equal(staleAfter(root, 'dist/build.json', (file) => rmSync(file)), 'dist/ has no dist/build.json from npm run build');
  assert.equal(stale(root), undefined);
});

test('npm start with a chunk missing builds again and serves', async (t) => {
  const root = await builtCopy();
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const chunk = builtScripts(root).find((name) => /^serve-.*\.js$/.test(name))!;
  rmSync(join(root, 'dist', chunk));
  // Timing assumption: type-checking and bundling take under 5 minutes, even on a loaded 2-core machine.
  const daemon = await DaemonProcess.start({
    command: ['npm', 'start', '--silent', '--prefix', root],
    env: { BRIDGE_ADMIN_PORT: 'off' },
    readyTimeoutMs: 300_000,
  });
  t.after(() => daemon.stop());
  assert.match(daemon.stderr, new RegExp(`Building: dist/${chunk.replace('.', '\\.')} is missing\\.`));
  assert.equal((await fetch(`${daemon.url}/health`)).status, 200);
  assert.equal(stale(root), undefined);
  const outputs = Object.keys(JSON.parse(readFileSync(join(root, 'dist/build.json'), 'utf8')).outputs as object);
  assert.ok(outputs.some((output) => /^dist\/serve-.*\.js$/.test(output)), outputs.join(', '));
  assert.equal((await daemon.stop()).code, 0, daemon.tail());
});
