// Where the built daemon's main thread spends its time under one scenario's load: `node
// --cpu-prof dist/cli.js serve`, then the profile's samples summed by the original source of each
// frame (through the bundle's source maps): per package or src/ folder, inclusive (a frame anywhere on the
// stack) and self. Shares are of the busy time (the samples that are not "(idle)"), for the
// "measured reason" beside a goal not met.
//
//   npm run build && node --import tsx test/bench/profile.ts [--scenario introspection|refresh] [--seconds 10]
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BRIDGE_CLI, bridgeBuilt, startBridge } from './bridge.ts';
import { basicAuth, linkAccount } from './flows.ts';
import { cannon } from './load.ts';
import { linkMany, rotateChains } from './scenarios.ts';
import { parseSettings } from './settings.ts';

const { values } = parseArgs({
  options: { scenario: { type: 'string', default: 'introspection' }, seconds: { type: 'string', default: '10' } },
});
const scenario = values.scenario!;
const seconds = Number(values.seconds);
if (scenario !== 'introspection' && scenario !== 'refresh') throw new Error(`--scenario introspection|refresh, not ${scenario}`);
if (!bridgeBuilt()) throw new Error('dist/cli.js is missing: npm run build first');

/** The .cpuprofile format (Chrome DevTools Protocol, Profiler.Profile). */
interface Profile {
  /** Monotonic clock, µs: the same clock as process.hrtime() here (Linux CLOCK_MONOTONIC). */
  startTime: number;
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

const settings = parseSettings([]);
const dir = mkdtempSync(path.join(tmpdir(), 'bridge-profile-'));
const creds = {
  clientId: 'alexa-skill',
  clientSecret: 'bench-secret-0123456789-abcdefghij',
  redirectUri: 'http://127.0.0.1:9/cb',
  scope: 'alexa',
  username: 'alice',
  password: 'correct horse battery',
};
const bridge = await startBridge(creds, dir, ['--cpu-prof', '--cpu-prof-dir', dir]);
let operations = 0;
// Only the samples of the load count, not the start or the linking before it.
const window = { from: 0, to: 0 };
const now = () => Number(process.hrtime.bigint() / 1000n);
try {
  if (scenario === 'introspection') {
    const { access_token } = await linkAccount(bridge.target);
    window.from = now();
    const sample = await cannon({
      url: bridge.target.introspectUrl,
      method: 'POST',
      headers: { authorization: basicAuth(bridge.target), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: access_token }).toString(),
      connections: settings.connections,
      seconds,
    });
    operations = sample.ok;
  } else {
    const { tokens } = await linkMany(bridge.target, settings.chains, settings.flowWorkers, 60);
    window.from = now();
    operations = (await rotateChains(bridge.target, tokens, seconds, settings)).ok;
  }
  window.to = now();
} finally {
  // The profile is written when the daemon exits (gracefully, on SIGTERM).
  await bridge.child.stop();
}

const profileFile = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
if (!profileFile) throw new Error(`no .cpuprofile in ${dir}: did the daemon exit gracefully?`);
const profile = JSON.parse(readFileSync(path.join(dir, profileFile), 'utf8')) as Profile;
// The bundle is dist/cli.js and the chunks it loads at first use, each with its source map.
const distUrl = `file://${path.dirname(BRIDGE_CLI)}/`;
const maps = new Map<string, SourceMap>();
function sourceMapOf(url: string): SourceMap {
  if (!maps.has(url)) maps.set(url, new SourceMap(JSON.parse(readFileSync(`${new URL(url).pathname}.map`, 'utf8'))));
  return maps.get(url)!;
}

/** The group a frame is counted under: a package, a src/ folder, a node: module, or V8's own. */
function groupOf(frame: Profile['nodes'][number]['callFrame']): string {
  if (frame.url === '') return frame.functionName; // (idle), (program), (garbage collector), (root)
  if (frame.url.startsWith('node:')) return frame.url;
  if (!frame.url.startsWith(distUrl)) return frame.url;
  const entry = sourceMapOf(frame.url).findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string };
  const source = entry.originalSource ?? '';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source);
  if (pkg) return pkg[1]!;
  const own = /\/src\/(.+?)(?:\.ts)?$/.exec(source);
  return own ? `src/${own[1]}` : source || frame.url.slice(distUrl.length);
}

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const group = new Map(profile.nodes.map((node) => [node.id, groupOf(node.callFrame)]));

const inclusive = new Map<string, number>();
const self = new Map<string, number>();
let busy = 0;
let idle = 0;
let at = profile.startTime;
profile.samples.forEach((id, index) => {
  const micros = profile.timeDeltas[index] ?? 0;
  at += micros;
  if (at < window.from || at > window.to) return;
  const own = group.get(id)!;
  if (own === '(idle)') {
    idle += micros;
    return;
  }
  busy += micros;
  self.set(own, (self.get(own) ?? 0) + micros);
  const seen = new Set<string>();
  for (let node: number | undefined = id; node !== undefined; node = parent.get(node)) {
    const name = group.get(node)!;
    if (name === '(root)' || seen.has(name)) continue;
    seen.add(name);
    inclusive.set(name, (inclusive.get(name) ?? 0) + micros);
  }
  if (!byId.has(id)) throw new Error(`sample of unknown node ${id}`);
});

const percent = (micros: number) => `${((micros / busy) * 100).toFixed(1)} %`;
const top = (totals: Map<string, number>) =>
  [...totals].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([name, micros]) => `  ${percent(micros).padStart(7)}  ${name}`);
console.log(`${scenario}: ${operations} operations in ${seconds} s of load; in that time the main thread was busy ${(busy / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s`);
console.log(`main-thread CPU per operation: ${(busy / operations).toFixed(0)} µs (profile in ${path.join(dir, profileFile)})`);
console.log('inclusive (the group anywhere on the stack), share of busy time:');
console.log(top(inclusive).join('\n'));
console.log('self, share of busy time:');
console.log(top(self).join('\n'));
