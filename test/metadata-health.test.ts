import assert from 'node:assert/strict';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { ISSUER, startBridge, tempDir } from './helpers/bridge.ts';
import { sharedBridge } from './helpers/oauth.ts';

const bridge = sharedBridge();

/** A GET with headers fetch would not send as given (Host). */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function metadata(headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const { status, body } = await rawGet(`${bridge().url}/.well-known/oauth-authorization-server`, headers);
  assert.equal(status, 200);
  return JSON.parse(body) as Record<string, unknown>;
}

// RFC 8414 §2, §3.3: the issuer is the configured one, and every endpoint lives under it.
test('the metadata names the configured issuer and builds every endpoint from it', async () => {
  const body = await metadata();
  assert.equal(body['issuer'], ISSUER);
  assert.equal(body['authorization_endpoint'], `${ISSUER}/alexa/authorize`);
  assert.equal(body['token_endpoint'], `${ISSUER}/alexa/token`);
  assert.equal(body['revocation_endpoint'], `${ISSUER}/alexa/revoke`);
  assert.equal(body['introspection_endpoint'], `${ISSUER}/alexa/introspect`);
  assert.deepEqual(body['response_types_supported'], ['code']);
  assert.deepEqual(body['grant_types_supported'], ['authorization_code', 'refresh_token']);
});

test('the metadata ignores Host, X-Forwarded-Host and Origin', async () => {
  const body = await metadata({ host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http', origin: 'https://evil.example' });
  assert.deepEqual(await metadata(), body);
  assert.doesNotMatch(JSON.stringify(body), /evil\.example/);
});

test('the metadata offers S256 as the only code_challenge_method', async () => {
  assert.deepEqual((await metadata())['code_challenge_methods_supported'], ['S256']);
});

test('GET /health answers 200 JSON {status: ok}', async () => {
  const response = await fetch(`${bridge().url}/health`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(((await response.json()) as { status: string }).status, 'ok');
});

test('HEAD /health answers 200 without a body', async () => {
  const response = await fetch(`${bridge().url}/health`, { method: 'HEAD' });
  assert.equal(response.status, 200);
  assert.equal(await response.text(), '');
});

async function assertHealthError(base: string): Promise<void> {
  const response = await fetch(`${base}/health`);
  assert.equal(response.status, 503);
  assert.equal(((await response.json()) as { status: string }).status, 'error');
}

test('/health answers 503 {status: error} when the data dir is gone', async (t) => {
  const parent = await tempDir();
  const own = await startBridge({ dataDir: join(parent, 'data') });
  t.after(() => own.stop());
  await rm(parent, { recursive: true, force: true });
  await assertHealthError(own.url);
});

/** Whether this process can write into a directory it made read-only (root can). */
async function writesIgnoreModes(): Promise<boolean> {
  const probe = await tempDir();
  await chmod(probe, 0o500);
  try {
    await writeFile(join(probe, 'probe'), '');
    return true;
  } catch {
    return false;
  } finally {
    await chmod(probe, 0o700);
    await rm(probe, { recursive: true, force: true });
  }
}

test('/health answers 503 {status: error} when the data dir is read-only', async (t) => {
  if (await writesIgnoreModes()) {
    t.skip('running as root, where mode 0500 does not stop writes; the data-dir-gone test covers the 503');
    return;
  }
  const dataDir = join(await tempDir(), 'data');
  await mkdir(dataDir);
  const own = await startBridge({ dataDir });
  t.after(async () => {
    await chmod(dataDir, 0o700);
    await own.stop();
  });
  await chmod(dataDir, 0o500);
  await assertHealthError(own.url);
});

test('an unknown path is 404', async () => {
  const response = await fetch(`${bridge().url}/no/such/path`);
  await response.body?.cancel();
  assert.equal(response.status, 404);
});
