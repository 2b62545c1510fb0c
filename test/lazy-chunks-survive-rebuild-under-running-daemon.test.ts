// The daemon loads its admin app and the doctor from chunks of dist/ at first use, by names that
// change with their content. The upgrade steps (README, "Upgrading") build the new version, then
// restart the daemon; a rebuild removed every chunk it did not write, so in between the running
// daemon's admin page answered 500 and `doctor` failed with "Cannot find module
// dist/doctor-….js". And a failed load of the admin app was kept: the admin page answered 500
// until a restart, even once the file was back.
// Works on a copy of the project (sources copied, node_modules linked) so that it can rebuild
// from changed sources without touching this tree's dist/. No timing assumptions beyond the
// daemon starting within DaemonProcess's 20 s.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFile, cp, mkdtemp, readdir, rename, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { builtScripts } from './helpers/build-record.ts';
import { DaemonProcess, freePort, REPO_ROOT, tempDir } from './helpers/daemon-process.ts';

const run = promisify(execFile);
let project: string;

async function bundle(): Promise<void> {
  await run(process.execPath, ['src/build/bundle.mjs'], { cwd: project });
}

/** The chunk named `<prefix>-<hash>.js` that the last build wrote (dist/build.json). */
async function chunk(prefix: string): Promise<string> {
  const names = builtScripts(project).filter((file) => file.startsWith(`${prefix}-`));
  assert.equal(names.length, 1, `one ${prefix} chunk in the copy's build: ${names.join(', ')}`);
  return names[0]!;
}

async function startDaemon(): Promise<{ daemon: DaemonProcess; admin: string }> {
  const adminPort = await freePort();
  const daemon = await DaemonProcess.start({
    command: [process.execPath, path.join(project, 'dist', 'cli.js'), 'serve'],
    env: { BRIDGE_ADMIN_PORT: String(adminPort), BRIDGE_LOG_FILES: '0' },
  });
  return { daemon, admin: `http://127.0.0.1:${adminPort}/` };
}

before(async () => {
  project = await mkdtemp(path.join(tmpdir(), 'bridge-rebuild-'));
  for (const entry of ['src', 'tsconfig.json', 'package.json', 'package-lock.json']) {
    await cp(path.join(REPO_ROOT, entry), path.join(project, entry), { recursive: true });
  }
  await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(project, 'node_modules'));
  await bundle();
});

after(async () => {
  await rm(project, { recursive: true, force: true });
});

test('a daemon started before a rebuild from changed sources still opens its admin page and runs doctor', async () => {
  const { daemon, admin } = await startDaemon();
  try {
    const [adminBefore, doctorBefore] = [await chunk('adminApp'), await chunk('doctor')];
    // A new version: the admin app's and the doctor's chunks get new names.
    await appendFile(path.join(project, 'src/admin/adminApp.ts'), "\nexport const buildMark = 'second build';\n");
    await appendFile(path.join(project, 'src/doctor/doctor.ts'), "\nexport const buildMark = 'second build';\n");
    await bundle();
    assert.notEqual(await chunk('adminApp'), adminBefore, 'the rebuild named the admin chunk anew');
    assert.ok((await readdir(path.join(project, 'dist'))).includes(adminBefore), "the previous build's admin chunk is kept");

    const page = await fetch(admin);
    assert.equal(page.status, 401, `the admin page asks for a sign-in, as before the rebuild\n${daemon.tail()}`);

    const doctor = await run(process.execPath, [path.join(project, 'dist', 'cli.js'), 'doctor', '--json'], {
      env: { ...daemon.env },
    }).catch((error: { stdout: string; stderr: string }) => error);
    assert.doesNotMatch(doctor.stderr, /Cannot find module/, `doctor through the running daemon loads its chunk (${doctorBefore})`);
    assert.ok(Array.isArray((JSON.parse(doctor.stdout) as { checks?: unknown }).checks), `doctor --json answered\n${doctor.stdout}\n${doctor.stderr}`);

    // Only one build back is kept: dist/ does not grow with every build.
    await appendFile(path.join(project, 'src/admin/adminApp.ts'), "\nexport const thirdMark = 'third build';\n");
    await bundle();
    assert.ok(!(await readdir(path.join(project, 'dist'))).includes(adminBefore), 'the chunk of two builds ago is removed');
  } finally {
    await daemon.stop();
  }
});

test('an admin app that could not be loaded is loaded again at the next request', async () => {
  await bundle();
  const { daemon, admin } = await startDaemon();
  const name = await chunk('adminApp');
  const aside = path.join(await tempDir(), name);
  try {
    await rename(path.join(project, 'dist', name), aside);
    const failed = await fetch(admin);
    assert.equal(failed.status, 500);
    assert.equal(failed.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(failed.headers.get('cache-control'), 'no-store');
    await daemon.waitForLog((line) => line['msg'] === 'the admin page could not be loaded', 'saying the admin page could not be loaded');

    await rename(aside, path.join(project, 'dist', name));
    const again = await fetch(admin);
    assert.equal(again.status, 401, `the admin page works again once its chunk is back\n${daemon.tail()}`);
  } finally {
    await daemon.stop();
  }
});
