// A stale bridge.lock whose pid now belongs to another live process (a reboot or a restarted
// container hands pids out again) used to stop start-up with "another alexa-oauth-bridge (pid N)".
// Liveness is now decided by the lock answering, never by a pid.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { DaemonProcess, runCli, seedAlexaWithCli, tempDir } from './helpers/daemon-process.ts';

test('a lock file left behind, naming a pid that another live process now has, does not block start-up', async (t) => {
  const dataDir = await tempDir('bridge-stale-lock-');
  await seedAlexaWithCli(dataDir);
  // Some unrelated process that is alive now, with the pid the old lock names.
  const other = spawn('sleep', ['60'], { stdio: 'ignore' });
  t.after(() => other.kill('SIGKILL'));
  await writeFile(join(dataDir, 'bridge.lock'), `${other.pid}\n`, { mode: 0o600 });
  const daemon = await DaemonProcess.start({ dataDir });
  t.after(() => daemon.stop());
  assert.equal((await fetch(`${daemon.url}/health`)).status, 200);
  assert.equal(daemon.stderr.includes('another alexa-oauth-bridge'), false, daemon.stderr);
});

test('a lock whose holder is alive still keeps a second daemon out, naming its pid', async (t) => {
  const daemon = await DaemonProcess.start();
  t.after(() => daemon.stop());
  const second = await runCli(['serve'], { dataDir: daemon.dataDir, env: { BRIDGE_PORT: '0', BRIDGE_ADMIN_PORT: 'off' } });
  assert.equal(second.code, 1);
  assert.equal(second.stderr.trim(), `alexa-oauth-bridge: another alexa-oauth-bridge (pid ${daemon.pid}) is using ${daemon.dataDir}`);
});

test('a lock left by a daemon killed with SIGKILL is taken over at the next start', async (t) => {
  const first = await DaemonProcess.start();
  first.kill('SIGKILL');
  await first.waitExit();
  const again = await DaemonProcess.start({ dataDir: first.dataDir });
  t.after(() => again.stop());
  assert.equal((await fetch(`${again.url}/health`)).status, 200);
});
