import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLIENT_SECRET, PASSWORD, seedAlexa, startBridge, tempDir, type TestBridge } from './helpers/bridge.ts';
import { assertFailedWithOneLine, runCli } from './helpers/cli.ts';
import { authorize, authorizeQuery } from './helpers/http.ts';
import { exchange, isActive, newCode, refresh, seededBridge, tokensOf } from './helpers/oauth.ts';
import { challengeParams, pkcePair } from './helpers/pkce.ts';

const DATA_FILES = ['clients.json', 'users.json', 'grants.json'];

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

/**
 * Every regular file in the data dir (backups and temp files too), with its text. While the bridge
 * runs, a background write (flows.json after a page view) may rename its `.tmp` file away between
 * the listing and the read: such a file is left out. Stop the bridge first to see every file.
 */
async function dataDirFiles(dataDir: string): Promise<{ name: string; mode: number; text: string }[]> {
  const files = [];
  for (const entry of await readdir(dataDir, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(dataDir, entry.name);
    try {
      files.push({ name: entry.name, mode: (await stat(path)).mode & 0o777, text: await readFile(path, 'utf8') });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && entry.name.endsWith('.tmp')) continue;
      throw error;
    }
  }
  return files;
}

async function linked(bridge: TestBridge): Promise<{ access: string; refresh: string }> {
  return tokensOf(await exchange(bridge.url, await newCode(bridge.url)));
}

test('each data file is mode 0600 and carries a schema version', async (t) => {
  const bridge = await seededBridge(t);
  await refresh(bridge.url, (await linked(bridge)).refresh);
  await bridge.stop(); // no write in flight: every file, temp files included, is read
  const files = await dataDirFiles(bridge.dataDir);
  for (const name of DATA_FILES) {
    const file = files.find((candidate) => candidate.name === name);
    assert.ok(file, `${name} exists`);
    assert.equal(file.mode, 0o600, `${name} mode ${file.mode.toString(8)}`);
    const version = (JSON.parse(file.text) as { version?: unknown }).version;
    assert.ok(Number.isInteger(version) && (version as number) >= 1, `${name} version ${String(version)}`);
  }
  for (const file of files) assert.equal(file.mode, 0o600, `${file.name} mode ${file.mode.toString(8)}`);
});

test('issued tokens are on disk with the grants, as SHA-256 hashes only, by the time the response arrives', async (t) => {
  const bridge = await seededBridge(t);
  const tokens = await linked(bridge);
  // grants.json, or the journal beside it that each commit appends to.
  const grants = (await dataDirFiles(bridge.dataDir)).filter((file) => file.name.startsWith('grants.')).map((file) => file.text).join('\n');
  assert.ok(grants.includes(sha256(tokens.access)), 'access token hash on disk');
  assert.ok(grants.includes(sha256(tokens.refresh)), 'refresh token hash on disk');
  assert.equal(grants.includes(tokens.access), false);
  assert.equal(grants.includes(tokens.refresh), false);
});

test('no code, token, client secret, password or code_verifier is in any data file in clear', async (t) => {
  const bridge = await seededBridge(t);
  const { verifier, challenge } = pkcePair();
  const code = (await authorize(bridge.url, authorizeQuery(challengeParams(challenge)))).get('code')!;
  const first = tokensOf(await exchange(bridge.url, code, { code_verifier: verifier }));
  const second = tokensOf(await refresh(bridge.url, first.refresh));
  const secrets = { code, verifier, CLIENT_SECRET, PASSWORD, ...first, refreshed: second.access, rotated: second.refresh };
  await bridge.stop(); // no write in flight: every file, temp files included, is read
  for (const file of await dataDirFiles(bridge.dataDir)) {
    for (const [name, secret] of Object.entries(secrets)) {
      assert.equal(file.text.includes(secret), false, `${name} found in ${file.name}`);
    }
  }
});

async function dataDirWithBrokenGrants(): Promise<{ dataDir: string; path: string; content: string }> {
  const dataDir = await tempDir();
  const path = join(dataDir, 'grants.json');
  const content = '{"version":1,"grants":[{"id":"g1",';
  await writeFile(path, content, { mode: 0o600 });
  return { dataDir, path, content };
}

test('a grants.json that does not parse stops start-up with a message naming it, and is left untouched', async () => {
  const { dataDir, path, content } = await dataDirWithBrokenGrants();
  await assert.rejects(startBridge({ dataDir }), (error: Error) => error.message.includes(path));
  assert.equal(await readFile(path, 'utf8'), content);
});

test('serve on a grants.json that does not parse exits 1 with one line naming the file, and leaves it untouched', async () => {
  const { dataDir, path, content } = await dataDirWithBrokenGrants();
  const result = await runCli(['serve'], { dataDir, env: { BRIDGE_PORT: '0' }, timeoutMs: 10_000 });
  assertFailedWithOneLine(result, /grants\.json/);
  assert.equal(await readFile(path, 'utf8'), content);
});

test('many concurrent refreshes all succeed, and all of them are on disk after a restart', async (t) => {
  let bridge = await startBridge();
  t.after(() => bridge.stop());
  await seedAlexa(bridge);
  const links = [];
  for (let i = 0; i < 12; i++) links.push(await linked(bridge));
  const refreshed = (await Promise.all(links.map((tokens) => refresh(bridge.url, tokens.refresh)))).map(tokensOf);
  await bridge.stop();
  bridge = await startBridge({ dataDir: bridge.dataDir, clock: bridge.clock });
  for (const tokens of refreshed) {
    assert.equal(await isActive(bridge.url, tokens.access), true);
    tokensOf(await refresh(bridge.url, tokens.refresh));
  }
});
