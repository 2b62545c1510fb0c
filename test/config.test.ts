import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../src/config/load.ts';
import { startBridge, tempDir } from './helpers/bridge.ts';
import { assertFailedWithOneLine, runCli } from './helpers/cli.ts';

/** `serve` with these settings must stop at start-up; returns how it ended. */
async function serveWith(env: Record<string, string>, args: string[] = []) {
  return runCli([...args, 'serve'], { dataDir: await tempDir(), env: { BRIDGE_HOST: '127.0.0.1', BRIDGE_PORT: '0', ...env }, timeoutMs: 10_000 });
}

test('an invalid BRIDGE_PORT stops start-up: exit 1, one line naming the setting', async () => {
  const result = await serveWith({ BRIDGE_PORT: 'abc' });
  assertFailedWithOneLine(result, /BRIDGE_PORT="abc": must be a whole number from 0 to 65535/);
});

test('BRIDGE_PORT=0 (any free port) is allowed', () => {
  assert.equal(loadConfig({ env: { BRIDGE_PORT: '0' } }).port, 0);
});

test('a javascript: BRIDGE_PUBLIC_URL stops start-up: exit 1 naming public_url', async () => {
  assertFailedWithOneLine(await serveWith({ BRIDGE_PUBLIC_URL: 'javascript:alert(1)' }), /public_url|BRIDGE_PUBLIC_URL/);
});

test('a config file with an unknown key stops start-up: exit 1 naming the key', async () => {
  const file = join(await tempDir(), 'options.json');
  await writeFile(file, JSON.stringify({ log_level: 'info', frobnication_level: 3 }));
  assertFailedWithOneLine(await serveWith({}, ['--config', file]), /frobnication_level/);
});

test('precedence: defaults < config file < environment < command-line flags', async () => {
  const file = join(await tempDir(), 'options.json');
  await writeFile(file, JSON.stringify({ port: 1111, host: '0.0.0.0', log_level: 'warn', code_ttl: 120 }));
  const config = loadConfig({
    file,
    env: { BRIDGE_PORT: '2222', BRIDGE_LOG_LEVEL: 'error' },
    flags: { port: '3333' },
  });
  assert.equal(config.port, 3333); // flag over environment and file
  assert.equal(config.logLevel, 'error'); // environment over file
  assert.equal(config.host, '0.0.0.0'); // file over default
  assert.equal(config.codeTtl, 120); // file over default
  assert.equal(config.accessTokenTtl, 3600); // default
});

test('an empty environment variable counts as unset', () => {
  assert.equal(loadConfig({ env: { BRIDGE_PORT: '' } }).port, 8096);
});

test('BRIDGE_ACCESS_TOKEN_TTL=300 starts with a warning naming Alexa’s 360 s minimum', async (t) => {
  const bridge = await startBridge({ env: { BRIDGE_ACCESS_TOKEN_TTL: '300' } });
  t.after(() => bridge.stop());
  const warnings = bridge.logs.filter((line) => line['level'] === 40).map((line) => String(line['msg']));
  assert.ok(warnings.some((msg) => /access_token_ttl/.test(msg) && /360/.test(msg)), JSON.stringify(warnings));
});

test('an unknown command is a usage error: exit 2', async () => {
  const result = await runCli(['frobnicate']);
  assert.equal(result.code, 2);
  assert.notEqual(result.stderr, '');
});
