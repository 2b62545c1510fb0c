// With BRIDGE_PORT=0 (any free port) the start message said "listening on 127.0.0.1:0"; it names
// the port bound now. A public URL with port 0 (http://h.test:0) was accepted, and every URL the
// bridge emitted pointed nowhere; it is refused with a line naming the setting.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { assertFailedWithOneLine, CLI, runCli } from './helpers/cli.ts';
import { tempDir } from './helpers/daemon-process.ts';

test('BRIDGE_PORT=0: the start message and the log name the port bound, where /health answers', async (t) => {
  const dataDir = await tempDir();
  const env = { PATH: process.env['PATH'] ?? '', BRIDGE_DATA_DIR: dataDir, BRIDGE_PORT: '0', BRIDGE_ADMIN_PORT: 'off' };
  const child = spawn(process.execPath, [CLI, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await once(child, 'close');
    }
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  // No timing assumption: waits for the line however long start-up takes (the test runner's timeout bounds it).
  const listening = await new Promise<RegExpExecArray>((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      const match = /^alexa-oauth-bridge is running at (\S+) \(listening on 127\.0\.0\.1:(\d+)\)/m.exec(stderr);
      if (match) resolve(match);
    });
    child.once('close', () => reject(new Error(`serve exited: ${stderr}`)));
  });
  const port = Number(listening[2]);
  assert.notEqual(port, 0, listening[0]);
  assert.equal(listening[1], `http://localhost:${port}`);
  const health = await fetch(`http://127.0.0.1:${port}/health`);
  assert.equal(health.status, 200);
  const serving = stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line['msg'] === 'alexa-oauth-bridge is serving');
  assert.equal(serving?.['listen'], `127.0.0.1:${port}`);
});

test('port 0 in the public URL is refused, naming the setting as given and what to write', async () => {
  const dataDir = await tempDir();
  const fromEnv = await runCli(['serve'], { dataDir, env: { BRIDGE_PUBLIC_URL: 'http://h.test:0', BRIDGE_ADMIN_PORT: 'off' } });
  assertFailedWithOneLine(fromEnv);
  assert.equal(fromEnv.stderr, 'alexa-oauth-bridge: BRIDGE_PUBLIC_URL="http://h.test:0": names port 0, which nothing can connect to: give the port people connect to (http://h.test:PORT), or none for 80\n');
  const fromFlag = await runCli(['serve', '--public-url', 'https://alexa.example.test:00/bridge'], { dataDir, env: { BRIDGE_ADMIN_PORT: 'off' } });
  assertFailedWithOneLine(fromFlag);
  assert.equal(
    fromFlag.stderr,
    'alexa-oauth-bridge: --public-url "https://alexa.example.test:00/bridge": names port 0, which nothing can connect to: give the port people connect to (https://alexa.example.test:PORT), or none for 443\n',
  );
});
