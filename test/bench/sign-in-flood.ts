// A sign-in flood against the built daemon (`node dist/cli.js serve`), for the figures of issue 11
// item 2: while autocannon posts wrong passwords to the consent form, one linked account refreshes
// every 200 ms (Alexa gives up after 4.5 s). Prints the refresh latencies, the sign-in answers and
// the daemon's peak RSS (VmHWM). The sign-in limits are lifted, so that every post asks for a
// password check: the worst case, as from many addresses (startBridge lifts them).
//
//   npm run build && node --import tsx test/bench/sign-in-flood.ts [--connections 100] [--seconds 10]
import autocannon from 'autocannon';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { bridgeBuilt, startBridge } from './bridge.ts';
import { linkAccount, refresh, request } from './flows.ts';

const { values } = parseArgs({ options: { connections: { type: 'string', default: '100' }, seconds: { type: 'string', default: '10' } } });
const connections = Number(values.connections);
const seconds = Number(values.seconds);
if (!bridgeBuilt()) throw new Error('dist/cli.js is missing: npm run build first');

const creds = {
  clientId: 'alexa-skill',
  clientSecret: 'bench-secret-0123456789-abcdefghij',
  redirectUri: 'https://layla.amazon.com/api/skill/link/M2BENCHVENDOR',
  scope: 'alexa',
  username: 'alice',
  password: 'correct horse battery',
};
const bridge = await startBridge(creds, mkdtempSync(path.join(tmpdir(), 'sign-in-flood-')));
try {
  let { refresh_token: refreshToken } = await linkAccount(bridge.target);
  const query = new URLSearchParams({ client_id: creds.clientId, response_type: 'code', redirect_uri: creds.redirectUri, state: 's', scope: creds.scope });
  const page = await request(`${bridge.target.authorizeUrl}?${query}`);
  const cookie = (page.headers['set-cookie'] ?? []).map((line) => line.split(';')[0]).join('; ');
  const hidden = Object.fromEntries([...page.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c)))]));
  const before = bridge.child.memory();

  const latencies: number[] = [];
  let flooding = true;
  const failures: string[] = [];
  const refreshes = (async () => {
    while (flooding) {
      const started = performance.now();
      try {
        ({ refresh_token: refreshToken } = await refresh(bridge.target, refreshToken));
      } catch (error) {
        // A lost answer ends the chain: its token may have rotated on the server.
        failures.push(`${(error as Error).message} after ${Math.round(performance.now() - started)} ms`);
        return;
      } finally {
        latencies.push(performance.now() - started);
      }
      await sleep(200);
    }
  })();
  const flood = await autocannon({
    url: bridge.target.authorizeUrl,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ ...hidden, username: 'mallory', password: 'wrong guess', decision: 'approve' }).toString(),
    connections,
    duration: seconds,
    timeout: 30,
  });
  flooding = false;
  await refreshes;
  const after = bridge.child.memory();

  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  const statuses = Object.fromEntries(Object.entries(flood.statusCodeStats).map(([status, { count }]) => [status, count]));
  console.log(JSON.stringify({
    connections,
    seconds,
    signIns: { statuses, perSecond: Math.round(Object.values(statuses).reduce((sum, n) => sum + n, 0) / flood.duration), p99Ms: flood.latency.p99, socketErrors: flood.errors },
    refresh: { count: sorted.length, p50Ms: Math.round(at(0.5)), p99Ms: Math.round(at(0.99)), maxMs: Math.round(sorted.at(-1)!), over4500: sorted.filter((ms) => ms > 4500).length, failures },
    rssMiB: { beforeFlood: Math.round(before.rssMiB), afterFlood: Math.round(after.rssMiB), peak: Math.round(after.peakRssMiB) },
  }, null, 2));
} finally {
  await bridge.child.stop();
}
