// The flow records themselves: kept in flows.json across restarts, bounded by count and age,
// abandoned attempts marked (and logged once), and the `flows` command line.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { listAttempts } from '../src/diagnostics/attemptViews.ts';
import { runDoctor } from '../src/doctor/doctor.ts';
import { addClient } from '../src/services/clients.ts';
import { LAYLA, PITANGUI, startBridge, type TestBridge } from './helpers/bridge.ts';
import { authorizeQuery, basic, getPage, submitConsent } from './helpers/http.ts';
import { runCli } from './helpers/cli.ts';
import { latestFlow, NO_ADMIN } from './helpers/diagnostics.ts';
import { exchange, newCode, seededBridge, tokensOf } from './helpers/oauth.ts';
import { adminSessionCookie } from './helpers/admin.ts';

/** The built command line, in a process of its own, talking to the bridge's daemon over its control socket. */
function cli(bridge: TestBridge, ...args: string[]) {
  return runCli(args, { dataDir: bridge.dataDir });
}

test('flows are kept in flows.json, apart from grants.json, and survive a restart', async (t) => {
  let bridge = await seededBridge(t, { env: NO_ADMIN });
  tokensOf(await exchange(bridge.url, await newCode(bridge.url)));
  const linked = latestFlow(bridge);
  await bridge.stop(); // flushes the steps still waiting for their lazy write
  const grants = await readFile(join(bridge.dataDir, 'grants.json'), 'utf8');
  assert.doesNotMatch(grants, /"steps"/, 'no flow in the hot grants file');
  assert.match(grants, new RegExp(`"flowId":"${linked.flow_id}"`), 'the grant knows its flow');
  bridge = await startBridge({ dataDir: bridge.dataDir, env: NO_ADMIN });
  t.after(() => bridge.stop());
  const again = latestFlow(bridge);
  assert.equal(again.flow_id, linked.flow_id);
  assert.deepEqual(again.steps, linked.steps);
});

test('flows are bounded by count (flows_kept): the oldest go first', async (t) => {
  const bridge = await seededBridge(t, { env: { ...NO_ADMIN, BRIDGE_FLOWS_KEPT: '10' } });
  const ids: string[] = [];
  for (let i = 0; i < 14; i++) {
    await getPage(bridge.url, authorizeQuery());
    ids.push(latestFlow(bridge).flow_id);
  }
  const kept = listAttempts(bridge.daemon.context, { last: 100 }).map((flow) => flow.flow_id);
  assert.deepEqual(kept, ids.slice(-10).reverse());
});

test('flows are bounded by age (flows_max_age): a sweep drops the old ones', async (t) => {
  const bridge = await seededBridge(t, { env: { ...NO_ADMIN, BRIDGE_FLOWS_MAX_AGE: '3600' } });
  await getPage(bridge.url, authorizeQuery());
  bridge.clock.advance(3601);
  const swept = bridge.daemon.context.observer.sweep();
  assert.equal(swept['removed'], 1);
  assert.equal(listAttempts(bridge.daemon.context, { last: 10 }).length, 0);
});

test('a person who never comes back from the page: abandoned after 10 min, marked and logged once', async (t) => {
  const bridge = await seededBridge(t, { env: NO_ADMIN });
  await getPage(bridge.url, authorizeQuery());
  const { flow_id } = latestFlow(bridge);
  bridge.clock.advance(5 * 60);
  assert.equal(latestFlow(bridge).status, 'in progress');
  bridge.clock.advance(6 * 60);
  const listed = latestFlow(bridge);
  assert.equal(listed.status, 'abandoned');
  assert.equal(listed.stopped_at, 'sign-in');
  assert.match(listed.cause!, /The sign-in page was shown, but nothing came back for 11 min/);
  bridge.daemon.context.observer.sweep();
  bridge.daemon.context.observer.sweep();
  assert.equal(latestFlow(bridge).steps.at(-1)!.step, 'abandoned');
  const logged = bridge.logs.filter((line) => line['flow'] === flow_id && line['reason'] === 'abandoned');
  assert.equal(logged.length, 1);
  assert.equal(logged[0]!['level'], 40);
});

test('a person who gave up after failed sign-ins: the diagnosis says so', async (t) => {
  const bridge = await seededBridge(t, { env: NO_ADMIN });
  await submitConsent(bridge.url, await getPage(bridge.url, authorizeQuery()), { password: 'wrong password!' });
  bridge.clock.advance(11 * 60);
  const flow = latestFlow(bridge);
  assert.equal(flow.status, 'abandoned');
  assert.match(flow.cause!, /could not sign in and gave up/);
});

test('a code Amazon never exchanged: the diagnosis points at the Access Token URI', async (t) => {
  const bridge = await seededBridge(t, { env: NO_ADMIN });
  await newCode(bridge.url);
  bridge.clock.advance(300 + 31);
  const flow = latestFlow(bridge);
  assert.equal(flow.status, 'abandoned');
  assert.equal(flow.stopped_at, 'token');
  assert.match(flow.cause!, /no token request for it came within its lifetime/);
  assert.match(flow.fix!, /Access Token URI in the Alexa console to https:\/\/bridge\.example\.test\/alexa\/token/);
});

test('every diagnosis is logged at warn with its flow id, cause and fix', async (t) => {
  const bridge = await seededBridge(t, { env: NO_ADMIN });
  await exchange(bridge.url, await newCode(bridge.url), { redirect_uri: 'https://layla.amazon.com/other' });
  const { flow_id } = latestFlow(bridge);
  const line = bridge.logs.find((entry) => entry['flow'] === flow_id && entry['reason'] === 'redirect_uri_mismatch');
  assert.ok(line, 'the diagnosis is in the log');
  assert.match(String(line['msg']), /redirect_uri .* differs from the authorization request's .* Fix: /);
});

test('`flows`: one line per attempt with time, client, user, how far it got and the diagnosis', async (t) => {
  const bridge = await seededBridge(t, { env: NO_ADMIN });
  tokensOf(await exchange(bridge.url, await newCode(bridge.url)));
  await exchange(bridge.url, await newCode(bridge.url), { redirect_uri: `https://layla.amazon.com/api/skill/link/M2TESTVENDOR42/` });
  const { code, stdout } = await cli(bridge, 'flows');
  assert.equal(code, 0);
  const lines = stdout.trim().split('\n');
  assert.equal(lines.length, 3, stdout);
  assert.match(lines[0]!, /^STARTED\s+FLOW\s+CLIENT\s+USER\s+STATUS\s+REACHED\s+DIAGNOSIS$/);
  assert.match(lines[1]!, /^2026-11-22 12:00:00 UTC\s+\S+\s+alexa-skill\s+alice\s+failed at token exchange\s+token exchange refused\s+The token request's redirect_uri .* trailing slash/);
  assert.match(lines[2]!, /alexa-skill\s+alice\s+linked\s+tokens issued/);

  const json = await cli(bridge, 'flows', '--last', '1', '--json');
  const [only] = JSON.parse(json.stdout) as { flow_id: string; status: string }[];
  assert.equal(only!.status, 'failed');

  const shown = await cli(bridge, 'flows', 'show', only!.flow_id);
  assert.equal(shown.code, 0);
  assert.match(shown.stdout, /status:\s+failed at token exchange/);
  assert.match(shown.stdout, /✓ code issued and redirect sent \(redirect to layla\.amazon\.com\)/);
  assert.match(shown.stdout, /✗ token exchange refused \(400 invalid_grant\)\n\s+cause: .*trailing slash.*\n\s+fix: /);
  const shownJson = JSON.parse((await cli(bridge, 'flows', 'show', only!.flow_id, '--json')).stdout) as { steps: unknown[] };
  assert.equal(shownJson.steps.length, 6);
});

test('`flows show` of an unknown id fails with one line; a bad --last is a usage error', async (t) => {
  const bridge = await seededBridge(t, { env: NO_ADMIN });
  const unknown = await cli(bridge, 'flows', 'show', 'nope');
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^alexa-oauth-bridge: no flow nope/);
  assert.equal((await cli(bridge, 'flows', '--last', '0')).code, 2);
});

test('a deliberately broken set-up: flows, the admin page and doctor each name the cause and the fix', async (t) => {
  const bridge = await seededBridge(t, { env: { BRIDGE_ADMIN_PORT: '0' } });
  // Registered for Europe only; the Alexa console holds an old secret.
  await addClient(bridge.daemon.context, { id: 'eu-only', secret: 'eu-only-secret-0123456789', redirectUris: [LAYLA], scopes: ['alexa'] });
  await getPage(bridge.url, authorizeQuery({ client_id: 'eu-only', redirect_uri: PITANGUI }));
  await exchange(bridge.url, await newCode(bridge.url, { client_id: 'eu-only' }), {}, basic('eu-only', 'last-years-secret-000000'));
  const late = await newCode(bridge.url);
  bridge.clock.advance(400);
  await exchange(bridge.url, late);

  const causes = [/another Alexa region's host: pitangui\.amazon\.com/, /Client eu-only sent a wrong secret/, /The code expired 100 s before the token request came/];
  const listed = (await cli(bridge, 'flows')).stdout;
  for (const cause of causes) assert.match(listed, cause);

  const flowsHtml = await (await fetch(`http://127.0.0.1:${bridge.daemon.adminPort}/flows`, { headers: { cookie: await adminSessionCookie(bridge.dataDir) } })).text();
  const flowsPage = flowsHtml.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
  for (const cause of causes) assert.match(flowsPage, cause);
  assert.equal(flowsPage.match(/<strong>Fix:<\/strong>/g)?.length, 3);

  const report = await runDoctor(bridge.daemon.context, { timeoutMs: 1000 });
  const region = report.checks.find((check) => check.id === 'client:eu-only')!;
  assert.equal(region.status, 'fail');
  assert.match(region.message, /North America's .* is missing/);
  assert.match(region.fix!, /--alexa-vendor-id M2TESTVENDOR42/);
});

test('what a request sent is stored cut to size and without control characters (terminal escapes)', async (t) => {
  const bridge = await seededBridge(t, { env: NO_ADMIN });
  await getPage(bridge.url, authorizeQuery({ client_id: '\u001b[2J\u001b[31mevil', redirect_uri: `https://example.test/${'x'.repeat(5000)}` }));
  const flow = latestFlow(bridge);
  assert.equal(flow.client_id, '\\u001B[2J\\u001B[31mevil');
  assert.ok(flow.redirect_uri!.length <= 300);
  assert.doesNotMatch(JSON.stringify(flow), /\\u001b/);
  assert.ok(flow.steps.every((step) => (step.note?.length ?? 0) <= 300 && (step.cause?.length ?? 0) <= 1200));
});
