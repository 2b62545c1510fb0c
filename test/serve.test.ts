import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CLIENT_ID, tempDir } from './helpers/bridge.ts';
import { assertFailedWithOneLine, cliJson, runCli, startServe } from './helpers/cli.ts';
import { seedAlexaWithCli } from './helpers/daemon-process.ts';
import { authorizeQuery, getPage, submitConsent } from './helpers/http.ts';
import { exchange, newCode, refresh, tokensOf } from './helpers/oauth.ts';
import { HA_PASSWORD, fakeSupervisor, supervisorEnv } from './helpers/supervisor.ts';

// `serve` as a real process, with the CLI changing its data dir while it runs.

/** A data dir with the Alexa client and alice, set up with the CLI as the README says. */
async function seededDataDir(): Promise<string> {
  const dataDir = await tempDir();
  await seedAlexaWithCli(dataDir);
  return dataDir;
}

test('serve on an empty data dir prints once what to do next, and a CLI client add works at once', async (t) => {
  const dataDir = await tempDir();
  const daemon = await startServe(dataDir);
  t.after(() => daemon.stop());
  assert.equal(daemon.output.stderr.match(/client add/g)?.length, 1, daemon.output.stderr);
  assert.equal(daemon.output.stderr.match(/user add/g)?.length, 1);
  await cliJson(['client', 'add', 'new-skill', '--alexa-vendor-id', 'M2NEWVENDOR1', '--json'], { dataDir });
  const page = await getPage(daemon.url, authorizeQuery({ client_id: 'new-skill', redirect_uri: 'https://layla.amazon.com/api/skill/link/M2NEWVENDOR1' }));
  assert.equal(page.status, 200);
});

test('CLI changes made while the daemon writes a burst of refreshes are all kept across a restart', async (t) => {
  const dataDir = await seededDataDir();
  let daemon = await startServe(dataDir);
  t.after(() => daemon.stop());
  let chains = await Promise.all([1, 2, 3].map(async () => tokensOf(await exchange(daemon.url, await newCode(daemon.url)))));
  const added = ['burst-1', 'burst-2', 'burst-3'];
  let adding = true;
  const adds = Promise.all(added.map((id) => cliJson(['client', 'add', id, '--redirect-uri', `https://${id}.example.test/cb`, '--json'], { dataDir })));
  void adds.finally(() => (adding = false)).catch(() => undefined);
  // Refresh every link, round after round, for as long as the CLI is at work.
  let rounds = 0;
  for (; adding || rounds < 3; rounds++) {
    chains = await Promise.all(chains.map(async (tokens) => tokensOf(await refresh(daemon.url, tokens.refresh))));
  }
  await adds;
  assert.equal((await daemon.stop()).code, 0);
  daemon = await startServe(dataDir);
  const listed = await cliJson<{ client_id: string }[]>(['client', 'list', '--json'], { dataDir });
  assert.deepEqual(listed.map((client) => client.client_id).sort(), [CLIENT_ID, ...added].sort());
  for (const tokens of chains) tokensOf(await refresh(daemon.url, tokens.refresh));
});

test('a second serve on the same data dir exits 1 saying another alexa-oauth-bridge uses it', async (t) => {
  const dataDir = await tempDir();
  const daemon = await startServe(dataDir);
  t.after(() => daemon.stop());
  const second = await runCli(['serve'], { dataDir, env: { BRIDGE_PORT: '0' }, timeoutMs: 10_000 });
  assertFailedWithOneLine(second, /another alexa-oauth-bridge/);
  assert.equal((await fetch(`${daemon.url}/health`)).status, 200);
});

test('SIGTERM: a sign-in in flight still gets its answer, and serve exits 0 within 5 s', async (t) => {
  // The Supervisor holds its answer, so the sign-in is certainly in flight when SIGTERM arrives.
  const supervisor = await fakeSupervisor(t);
  let answer!: () => void;
  supervisor.gate = new Promise((resolve) => (answer = resolve));
  const daemon = await startServe(await seededDataDir(), supervisorEnv(supervisor.url));
  t.after(() => daemon.stop('SIGKILL'));
  const page = await getPage(daemon.url, authorizeQuery());
  const asked = supervisor.nextRequest();
  const inFlight = submitConsent(daemon.url, page, { password: HA_PASSWORD });
  await asked;
  const stopping = performance.now();
  const exited = daemon.stop('SIGTERM');
  await sleep(200);
  answer();
  const response = await inFlight;
  assert.equal(response.status, 303);
  assert.ok(new URL(response.headers.get('location')!).searchParams.get('code'));
  const { code } = await exited;
  assert.equal(code, 0);
  assert.ok(performance.now() - stopping < 5000, `took ${Math.round(performance.now() - stopping)} ms`);
});
