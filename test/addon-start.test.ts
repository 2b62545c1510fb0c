import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { LAYLA, PITANGUI, USERNAME, VENDOR_ID } from './helpers/bridge.ts';
import { cliJson, freePort } from './helpers/cli.ts';
import { DaemonProcess, REPO_ROOT, tempDir } from './helpers/daemon-process.ts';
import { authorizeQuery, getPage, submitConsent, tokenRequest, basic } from './helpers/http.ts';
import { fakeSupervisor, HA_PASSWORD, SUPERVISOR_TOKEN } from './helpers/supervisor.ts';
import { adminSessionCookie } from './helpers/admin.ts';

const OPTIONS_SECRET = 'options-secret-0123456789abcdef';

/**
 * What the add-on container does, without Docker: the Supervisor writes /data/options.json and
 * sets SUPERVISOR_TOKEN, the image sets BRIDGE_DATA_DIR/HOST, and docker/run.sh execs node.
 */
async function startLikeTheAddon(t: { after(fn: () => unknown): void }, options: Record<string, unknown>) {
  const supervisor = await fakeSupervisor(t);
  const data = await tempDir('bridge-addon-');
  await writeFile(join(data, 'options.json'), JSON.stringify(options));
  const adminPort = await freePort();
  const daemon = await DaemonProcess.start({
    dataDir: data,
    command: ['sh', join(REPO_ROOT, 'docker', 'run.sh')],
    env: {
      APP_DIR: REPO_ROOT,
      SUPERVISOR_TOKEN,
      BRIDGE_SUPERVISOR_URL: supervisor.url,
      BRIDGE_PUBLIC_URL: undefined,
      BRIDGE_ADMIN_PORT: String(adminPort),
    },
  });
  t.after(() => daemon.stop());
  return { daemon, supervisor, data, adminPort };
}

const options = {
  public_url: 'https://alexa.example.test',
  client_id: 'alexa-skill',
  client_secret: OPTIONS_SECRET,
  alexa_vendor_id: VENDOR_ID,
  scopes: ['alexa'],
  allowed_users: [USERNAME],
  access_token_ttl: 3600,
  refresh_token_ttl: 7776000,
  trust_proxy: '172.30.32.0/23',
  log_level: 'info',
};

test('the add-on start path: options become configuration, the client is registered, a Home Assistant user links', async (t) => {
  const { daemon, supervisor, data, adminPort } = await startLikeTheAddon(t, options);

  const client = await cliJson<Record<string, unknown>>(['--data-dir', data, 'client', 'show', 'alexa-skill', '--json']);
  assert.deepEqual(client['redirect_uris'], [PITANGUI, LAYLA, `https://alexa.amazon.co.jp/api/skill/link/${VENDOR_ID}`]);
  assert.equal(client['type'], 'confidential');
  assert.equal(client['source'], 'config');

  const metadata = (await (await fetch(`${daemon.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
  assert.equal(metadata['issuer'], 'https://alexa.example.test');

  // alice signs in with her Home Assistant password, through the Supervisor's auth API.
  const page = await getPage(daemon.url, authorizeQuery());
  assert.equal(page.status, 200);
  const consent = await submitConsent(daemon.url, page, { password: HA_PASSWORD });
  assert.equal(consent.status, 303);
  assert.equal(supervisor.requests.at(-1)?.headers['x-supervisor-token'], SUPERVISOR_TOKEN);
  const code = new URL(consent.headers.get('location')!).searchParams.get('code')!;
  const tokens = await tokenRequest(daemon.url, { grant_type: 'authorization_code', code, redirect_uri: LAYLA }, basic('alexa-skill', OPTIONS_SECRET));
  assert.equal(tokens.status, 200);
  assert.equal(tokens.json['expires_in'], 3600);

  // The admin listener answers on loopback, on its own port, to a session from a one-time link.
  assert.equal((await fetch(`http://127.0.0.1:${adminPort}/`)).status, 401);
  const admin = await fetch(`http://127.0.0.1:${adminPort}/`, { headers: { cookie: await adminSessionCookie(data) } });
  assert.equal(admin.status, 200);
  assert.match(await admin.text(), /alexa\.example\.test/);
});

test('a Home Assistant user not in allowed_users is refused like a wrong password', async (t) => {
  const { daemon, supervisor } = await startLikeTheAddon(t, { ...options, allowed_users: ['bob'] });
  const page = await getPage(daemon.url, authorizeQuery());
  const refused = await submitConsent(daemon.url, page, { password: HA_PASSWORD });
  assert.equal(refused.status, 400);
  assert.equal(refused.headers.get('location'), null);
  assert.match(await refused.text(), /username or password is not right/);
  assert.equal(supervisor.requests.length, 1, 'the Supervisor was asked, and said yes');
});

test('a changed client_secret in the options replaces the stored one at the next start', async (t) => {
  const first = await startLikeTheAddon(t, options);
  await first.daemon.stop();
  await writeFile(join(first.data, 'options.json'), JSON.stringify({ ...options, client_secret: 'a-brand-new-secret-0123456789' }));
  const again = await DaemonProcess.start({ dataDir: first.data, command: ['sh', join(REPO_ROOT, 'docker', 'run.sh')], env: { ...first.daemon.env, BRIDGE_PUBLIC_URL: undefined, BRIDGE_ADMIN_PORT: 'off' } });
  t.after(() => again.stop());
  const old = await tokenRequest(again.url, { grant_type: 'refresh_token', refresh_token: 'x' }, basic('alexa-skill', OPTIONS_SECRET));
  assert.equal(old.status, 401);
  const fresh = await tokenRequest(again.url, { grant_type: 'refresh_token', refresh_token: 'x' }, basic('alexa-skill', 'a-brand-new-secret-0123456789'));
  assert.equal(fresh.status, 400);
  assert.equal(fresh.json['error'], 'invalid_grant');
});
