import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { startBridge, tempDir } from './helpers/bridge.ts';
import { assertFailedWithOneLine, runCli } from './helpers/cli.ts';

// Configuration errors used to read `invalid setting port (BRIDGE_PORT): Invalid input: expected
// number, received NaN`; BRIDGE_AUTH=homeassistant without a Supervisor token started and failed
// at every sign-in; a taken admin port named admin_port but not the variable people set.

test('a bad value stops serve with one line naming the setting as given, the value, and what it must be', async () => {
  const dataDir = await tempDir();
  const cases: { args: string[]; env?: Record<string, string>; line: string }[] = [
    { args: ['serve'], env: { BRIDGE_PORT: 'abc' }, line: 'BRIDGE_PORT="abc": must be a whole number from 0 to 65535' },
    { args: ['serve'], env: { BRIDGE_PORT: '1.5' }, line: 'BRIDGE_PORT="1.5": must be a whole number from 0 to 65535' },
    { args: ['serve', '--port', '70000'], line: '--port "70000": must be a whole number from 0 to 65535' },
    { args: ['serve'], env: { BRIDGE_ACCESS_TOKEN_TTL: 'an hour' }, line: 'BRIDGE_ACCESS_TOKEN_TTL="an hour": must be a whole number of at least 60' },
    { args: ['serve'], env: { BRIDGE_LOG_LEVEL: 'loud' }, line: 'BRIDGE_LOG_LEVEL="loud": must be one of trace, debug, info, warn, error, fatal' },
    { args: ['serve'], env: { BRIDGE_PORT: '8100', BRIDGE_ADMIN_PORT: '8100' }, line: 'BRIDGE_ADMIN_PORT="8100": must differ from port (8100): the admin page is never served on the public port' },
  ];
  for (const { args, env, line } of cases) {
    const result = await runCli(args, { dataDir, ...(env ? { env } : {}) });
    assertFailedWithOneLine(result);
    assert.equal(result.stderr, `alexa-oauth-bridge: ${line}\n`);
  }
  const file = join(dataDir, 'options.json');
  await writeFile(file, JSON.stringify({ code_ttl: 5 }));
  const fromFile = await runCli(['--config', file, 'serve'], { dataDir });
  assert.equal(fromFile.stderr, `alexa-oauth-bridge: code_ttl 5 in ${file}: must be a whole number from 10 to 600\n`);
});

test('auth homeassistant without SUPERVISOR_TOKEN: serve refuses to start and says why; admin commands still run', async () => {
  const dataDir = await tempDir();
  const result = await runCli(['serve'], { dataDir, env: { BRIDGE_AUTH: 'homeassistant', BRIDGE_PORT: '0', BRIDGE_ADMIN_PORT: 'off' } });
  assertFailedWithOneLine(result, /^alexa-oauth-bridge: auth is homeassistant \(BRIDGE_AUTH\), but SUPERVISOR_TOKEN is not set, so nobody could sign in: .*use BRIDGE_AUTH=local and add users with node dist\/cli\.js user add\n$/);
  const listed = await runCli(['user', 'list', '--json'], { dataDir, env: { BRIDGE_AUTH: 'homeassistant' } });
  assert.equal(listed.code, 0, listed.stderr);
});

test('an admin port already taken is logged naming admin_port and BRIDGE_ADMIN_PORT', async (t) => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  t.after(() => taken.close());
  const port = (taken.address() as AddressInfo).port;
  const bridge = await startBridge({ env: { BRIDGE_ADMIN_PORT: String(port) } });
  t.after(() => bridge.stop());
  const warning = bridge.logs.find((line) => line['level'] === 40 && String(line['msg']).startsWith('no admin page'));
  assert.equal(warning?.['msg'], `no admin page: cannot listen on 127.0.0.1:${port} (EADDRINUSE); set admin_port (BRIDGE_ADMIN_PORT) to a free port or off`);
});
