// Nothing a client or a person sends as a credential is ever written or shown: a battery of good
// and malformed requests carries known canary values in every place a credential travels, then
// every file under the data dir, the daemon's stdout and stderr, `flows` (plain and --json),
// `flows show` of every attempt and every admin page are searched for them. Hashes are fine.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { adminSessionCookie } from './helpers/admin.ts';
import { CLIENT_ID, CLIENT_SECRET, LAYLA, PASSWORD } from './helpers/bridge.ts';
import { cliOk, DaemonProcess, freePort, httpSender, OAuthClient, seedAlexaWithCli, tempDir, type RawRequest } from './helpers/daemon-process.ts';
import { authorizeQuery } from './helpers/http.ts';
import { challengeParams, pkcePair } from './helpers/pkce.ts';

const FORM = 'application/x-www-form-urlencoded';

/** Known values, each unlike anything the bridge writes by itself. */
const CANARY = {
  tabSecret: 'cnry-tab-secret-71e2',
  noSpaceSecret: 'cnry-nospace-secret-93b0',
  strictSecret: 'cnry-strict_secret-5d4c',
  plainPairSecret: 'cnry-plainpair-secret-0aa1',
  noColonSecret: 'cnry-nocolon-secret-6f27',
  bearer: 'cnry-bearer-token-2c88',
  bodySecret: 'cnry-body-secret-4e19',
  querySecret: 'cnry-query-secret-8b3d',
  headerSecret: 'cnry-header-secret-1f6a',
  code: 'cnry-code-value-7c55',
  refreshToken: 'cnry-refresh-token-3d90',
  verifier: `cnry-verifier-${'v'.repeat(40)}`,
  revokeToken: 'cnry-revoke-token-9a0e',
  introspectToken: 'cnry-introspect-token-b7f3',
  password: 'cnry-password-e3c1',
} as const;

/** Each canary as sent and as the encodings it travelled in (base64 in Basic, percent-encoding in a form). */
function forms(value: string): string[] {
  return [value, Buffer.from(value).toString('base64'), encodeURIComponent(value), Buffer.from(`${CLIENT_ID}:${value}`).toString('base64')];
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

test('no credential sent in any request shows up in the data dir, the log, `flows` or the admin page', async (t) => {
  const dataDir = await tempDir();
  await seedAlexaWithCli(dataDir);
  const adminPort = await freePort();
  const daemon = await DaemonProcess.start({ dataDir, publicUrl: 'https://bridge.example.test', env: { BRIDGE_LOG_LEVEL: 'debug', BRIDGE_ADMIN_PORT: String(adminPort) } });
  t.after(() => daemon.stop());
  const send = httpSender(daemon.url);
  const client = new OAuthClient(send);
  const issued: string[] = [];

  // A real link, and its tokens used: codes, access and refresh tokens the bridge issued are secrets too.
  const { verifier, challenge } = pkcePair();
  const query = authorizeQuery(challengeParams(challenge));
  const redirect = await client.authorize(query);
  const code = redirect.get('code')!;
  const linked = await client.token({ grant_type: 'authorization_code', code, redirect_uri: LAYLA, code_verifier: verifier });
  assert.equal(linked.status, 200, linked.text);
  const access = linked.json['access_token'] as string;
  const refreshed = await client.refresh(linked.json['refresh_token'] as string);
  assert.equal(refreshed.status, 200);
  issued.push(code, verifier, access, linked.json['refresh_token'] as string, refreshed.json['refresh_token'] as string, refreshed.json['access_token'] as string);
  assert.equal((await client.introspect(refreshed.json['access_token'] as string)).json['active'], true);

  // The consent page: a wrong password, then a right one for another attempt.
  const page = await client.page(authorizeQuery());
  assert.equal((await client.consent(page, { password: CANARY.password })).status, 400);
  await client.authorize(authorizeQuery());

  // Client authentication in every shape, each with a fresh code so the refusal belongs to an attempt.
  const exchangeWith = async (headers: Record<string, string>, extra: Record<string, string> = {}, path = '/alexa/token') => {
    const fresh = (await client.authorize(authorizeQuery())).get('code')!;
    const body = new URLSearchParams({ grant_type: 'authorization_code', code: fresh, redirect_uri: LAYLA, ...extra }).toString();
    const request: RawRequest = { method: 'POST', path, headers: { 'content-type': FORM, ...headers }, body };
    return (await send(request)).status;
  };
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  assert.equal(await exchangeWith({ authorization: `Basic\t${b64(`${CLIENT_ID}:${CANARY.tabSecret}`)}` }), 401);
  assert.equal(await exchangeWith({ authorization: `Basic${b64(`${CLIENT_ID}:${CANARY.noSpaceSecret}`)}` }), 401);
  assert.equal(await exchangeWith({ authorization: `Basic ${b64(`alexa%2Dskill:${encodeURIComponent(CANARY.strictSecret).replace(/-/g, '%2D').replace(/_/g, '%5F')}`)}` }), 401);
  assert.equal(await exchangeWith({ authorization: `Basic ${CLIENT_ID}:${CANARY.plainPairSecret}` }), 401);
  assert.equal(await exchangeWith({ authorization: `Basic ${b64(CANARY.noColonSecret)}` }), 401);
  assert.equal(await exchangeWith({ authorization: `Bearer ${CANARY.bearer}` }), 401);
  assert.equal(await exchangeWith({}, { client_id: CLIENT_ID, client_secret: CANARY.bodySecret }), 401);
  assert.equal(await exchangeWith({ 'x-client-secret': CANARY.headerSecret }, { client_id: CLIENT_ID }), 401);
  assert.equal(await exchangeWith({}, { client_id: CLIENT_ID }, `/alexa/token?client_secret=${CANARY.querySecret}`), 401);
  assert.equal(await exchangeWith({ authorization: `Basic ${b64(`${CLIENT_ID}:${CLIENT_SECRET}`)}` }, { code_verifier: CANARY.verifier }), 400);

  // Codes, refresh tokens and tokens nobody issued, at every client endpoint.
  assert.equal((await client.token({ grant_type: 'authorization_code', code: CANARY.code, redirect_uri: LAYLA })).status, 400);
  assert.equal((await client.refresh(CANARY.refreshToken)).status, 400);
  assert.equal((await client.post('/alexa/revoke', { token: CANARY.revokeToken, grant_type: 'refresh_token', refresh_token: CANARY.refreshToken })).status, 200);
  assert.equal((await client.introspect(CANARY.introspectToken)).json['active'], false);

  // Everything that shows what happened.
  const shown: [string, string][] = [];
  const flows = await cliOk(['flows', '--json', '--last', '1000'], { dataDir });
  shown.push(['flows --json', flows], ['flows', await cliOk(['flows', '--last', '1000'], { dataDir })]);
  const ids = (JSON.parse(flows) as { flow_id: string }[]).map((flow) => flow.flow_id);
  assert.ok(ids.length >= 10, `the battery left attempts to search: ${ids.length}`);
  for (const id of ids) {
    shown.push([`flows show ${id}`, await cliOk(['flows', 'show', id], { dataDir })]);
    shown.push([`flows show ${id} --json`, await cliOk(['flows', 'show', id, '--json'], { dataDir })]);
  }
  const admin = `http://127.0.0.1:${adminPort}`;
  const cookie = await adminSessionCookie(dataDir);
  for (const path of ['/', '/accounts', '/clients', '/flows', ...ids.map((id) => `/flows/${id}`)]) {
    const response = await fetch(`${admin}${path}`, { headers: { cookie } });
    assert.equal(response.status, 200, path);
    shown.push([`admin ${path}`, await response.text()]);
  }
  const steps = (JSON.parse(await cliOk(['flows', 'show', ids[0]!, '--json'], { dataDir })) as { steps: unknown[] }).steps;
  assert.ok(steps.length > 0);

  await daemon.stop(); // flushes the flow records
  for (const file of await filesUnder(dataDir)) shown.push([file, await readFile(file, 'latin1')]);
  shown.push(['stdout', daemon.stdoutLines.join('\n')], ['stderr', daemon.stderr]);
  assert.ok(shown.some(([, text]) => text.includes('client_auth_malformed')), 'the refusals were diagnosed');

  const secrets = [...Object.values(CANARY), ...issued, PASSWORD, CLIENT_SECRET].flatMap(forms);
  for (const [where, text] of shown) {
    for (const secret of secrets) assert.ok(!text.includes(secret), `${where} contains ${secret}`);
  }
});
