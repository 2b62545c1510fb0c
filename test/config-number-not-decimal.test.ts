// Reviewer's attack on the numeric settings' edges: zod's coercion is JavaScript's Number(), so
// BRIDGE_PORT="   " started on a random free port (nginx then answers 502), "0x1F90" on 8080,
// "1e3" on 1000, and a config file's `"port": true` on port 1, `"admin_port": []` on any port.
// Every numeric setting now takes a JSON number or a decimal string, and refuses the rest with
// its usual one line.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config/load.ts';
import { tempDir } from './helpers/bridge.ts';
import { assertFailedWithOneLine, runCli } from './helpers/cli.ts';

function problem(env: Record<string, string>): string {
  try {
    loadConfig({ env });
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message;
  }
  return 'started';
}

test('a port, lifetime or limit written other than in decimal is refused, naming the setting', () => {
  for (const value of ['   ', '0x1F90', '1e3', '0b1', '0o17', 'Infinity']) {
    assert.equal(problem({ BRIDGE_PORT: value }), `BRIDGE_PORT=${JSON.stringify(value)}: must be a whole number from 0 to 65535`);
  }
  assert.equal(problem({ BRIDGE_CODE_TTL: '0x20' }), 'BRIDGE_CODE_TTL="0x20": must be a whole number from 10 to 600');
  assert.equal(problem({ BRIDGE_LOG_FILES: '1e1' }), 'BRIDGE_LOG_FILES="1e1": must be a whole number from 0 to 100');
  assert.equal(problem({ BRIDGE_LOG_FILE_MB: '0x1' }), 'BRIDGE_LOG_FILE_MB="0x1": must be a number from 0.01 to 1024');
  assert.equal(problem({ BRIDGE_ADMIN_PORT: ' ' }), 'BRIDGE_ADMIN_PORT=" ": must be a port number, 0 for any free one, or off');
});

test('decimal values at the documented edges still start', () => {
  assert.equal(loadConfig({ env: { BRIDGE_PORT: ' 65535 ', BRIDGE_ADMIN_PORT: 'off' } }).port, 65535);
  assert.equal(loadConfig({ env: { BRIDGE_PORT: '0' } }).port, 0);
  assert.equal(loadConfig({ env: { BRIDGE_LOG_FILE_MB: '0.01', BRIDGE_LOG_FILES: '1' } }).logFileMb, 0.01);
  assert.equal(loadConfig({ env: { BRIDGE_ADMIN_PORT: '0' } }).adminPort, 0);
  assert.equal(loadConfig({ env: {} }).port, 8096);
});

test('serve refuses BRIDGE_PORT="   " and a config file’s "port": true with one line instead of picking a port', async () => {
  const dataDir = await tempDir();
  const blank = await runCli(['serve'], { dataDir, env: { BRIDGE_PORT: '   ', BRIDGE_ADMIN_PORT: 'off' } });
  assertFailedWithOneLine(blank);
  assert.equal(blank.stderr, 'alexa-oauth-bridge: BRIDGE_PORT="   ": must be a whole number from 0 to 65535\n');
  const file = join(dataDir, 'options.json');
  await writeFile(file, JSON.stringify({ port: true, admin_port: [] }));
  const fromFile = await runCli(['--config', file, 'serve'], { dataDir });
  assertFailedWithOneLine(fromFile);
  assert.equal(fromFile.stderr, `alexa-oauth-bridge: port true in ${file}: must be a whole number from 0 to 65535\n`);
});
