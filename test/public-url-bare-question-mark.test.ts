// Reviewer's attack on BRIDGE_PUBLIC_URL's edges: `https://home.example.test/bridge?` (a bare `?`,
// or `#`) passed the "no query, fragment" check, since URL's search and hash are empty then, but
// the `?` stayed in the issuer, and every URL built on it pointed nowhere:
// `https://home.example.test/bridge?/alexa/authorize`. The same check guards supervisor_url.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config/load.ts';
import { tempDir } from './helpers/bridge.ts';
import { assertFailedWithOneLine, runCli } from './helpers/cli.ts';

function problem(env: Record<string, string>): string {
  try {
    return `started with ${JSON.stringify(loadConfig({ env }))}`;
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message;
  }
}

test('a public URL or Supervisor URL ending in a bare ? or # is refused, naming the setting', () => {
  for (const value of ['https://home.example.test/bridge?', 'https://home.example.test/bridge#', 'https://home.example.test?', 'https://home.example.test/?#']) {
    assert.equal(problem({ BRIDGE_PUBLIC_URL: value }), `BRIDGE_PUBLIC_URL=${JSON.stringify(value)}: must have no query, fragment or credentials`);
  }
  assert.equal(problem({ BRIDGE_SUPERVISOR_URL: 'http://supervisor?' }), 'BRIDGE_SUPERVISOR_URL="http://supervisor?": must have no query, fragment or credentials');
  assert.equal(loadConfig({ env: { BRIDGE_PUBLIC_URL: 'https://home.example.test/bridge/' } }).publicUrl, 'https://home.example.test/bridge');
});

test('serve refuses BRIDGE_PUBLIC_URL with a bare ? in one line', async () => {
  const result = await runCli(['serve'], { dataDir: await tempDir(), env: { BRIDGE_PUBLIC_URL: 'https://home.example.test/bridge?', BRIDGE_PORT: '0', BRIDGE_ADMIN_PORT: 'off' } });
  assertFailedWithOneLine(result);
  assert.equal(result.stderr, 'alexa-oauth-bridge: BRIDGE_PUBLIC_URL="https://home.example.test/bridge?": must have no query, fragment or credentials\n');
});
