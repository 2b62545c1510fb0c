// `npm run bench`: the bridge side by side with node-oidc-provider on this machine.
// Progress goes to stderr, the markdown report to stdout, raw figures to test/artifacts/bench.json.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { bridgeBuilt, spawnBridge, startBridge, BRIDGE_CLI } from './bridge.ts';
import { summarizeLog, type LogSummary } from './proc.ts';
import { emptyResults, renderReport, writeJson, type Results } from './report.ts';
import { scaling } from './scaling.ts';
import {
  codeExchangeRound,
  coldStarts,
  introspectionRound,
  linkFlowRound,
  linkFlows,
  progress,
  refreshRound,
  roundOrder,
  warmReference,
  type Launcher,
} from './scenarios.ts';
import { startPeer, startReference, type Credentials, type OAuthServer, type Server } from './servers.ts';
import { parseSettings, type Settings } from './settings.ts';
import type { Sample } from './stats.ts';

/** What every step of one run shares. */
interface Run {
  settings: Settings;
  results: Results;
  /** Scratch space: data directories and server logs, removed after a clean run. */
  dir: string;
  creds: Credentials;
  /** Whether dist/cli.js exists; without it only the peer and the references run. */
  bridge: boolean;
}

function credentials(): Credentials {
  return {
    clientId: 'alexa-skill',
    clientSecret: randomBytes(32).toString('base64url'),
    // Discard port: the code is read from the Location header, the redirect is never followed.
    redirectUri: 'http://127.0.0.1:9/cb',
    scope: 'alexa',
    username: 'alice',
    password: `bench-${randomBytes(9).toString('base64url')}`,
  };
}

async function stopAll(servers: readonly Server[]): Promise<void> {
  for (const server of servers) await server.child.stop();
}

async function measureColdStarts(run: Run): Promise<void> {
  progress(`5 · cold starts (${run.settings.coldStarts} each)`);
  const launchers: Launcher[] = [{ name: 'peer', launch: async () => (await startPeer('peer', run.creds, run.dir, true)).child }];
  if (run.bridge) launchers.unshift({ name: 'bridge', launch: async () => (await spawnBridge(run.dir)).child });
  const starts = await coldStarts(launchers, run.settings);
  for (const [name, list] of Object.entries(starts)) {
    run.results.coldStartMs[name] = list.map((start) => start.coldStartMs);
    run.results.coldStartCpuMs[name] = list.map((start) => start.startCpuMs);
  }
}

/** Appends one round's figure of each side to its list. */
function record<T>(lists: Record<string, T[]>, round: Record<string, T>): void {
  for (const [name, value] of Object.entries(round)) (lists[name] ??= []).push(value);
}

/** Adds one process's log summary to the side's running total. */
function addLog(logs: Record<string, LogSummary>, side: string, log: LogSummary): void {
  const total = (logs[side] ??= { lines: 0, byLevel: {}, problems: [] });
  total.lines += log.lines;
  for (const [level, count] of Object.entries(log.byLevel)) total.byLevel[level] = (total.byLevel[level] ?? 0) + count;
  for (const problem of log.problems) if (total.problems.length < 5 && !total.problems.includes(problem)) total.problems.push(problem);
}

/**
 * The bare references, started (and warmed) the first time the introspection's answer size is
 * known, then measured in every round's introspection; `stop` ends them.
 */
function lazyReferences(run: Run): { get: (bodyBytes: number) => Promise<readonly Server[]>; stop: () => Promise<void> } {
  const servers: Server[] = [];
  return {
    get: async (bodyBytes) => {
      if (servers.length === 0) {
        run.results.introspectionBodyBytes = bodyBytes;
        for (const kind of ['node:http', 'koa+koa-body'] as const) servers.push(await startReference(kind, run.dir, bodyBytes));
        await sleep(run.settings.settleSeconds * 1000);
        for (const server of servers) {
          run.results.referenceStart[server.name] = {
            coldStartMs: server.child.coldStartMs,
            startCpuMs: server.child.startCpuMs,
            idleMiB: server.child.memory().rssMiB,
          };
          await warmReference(server, run.creds, run.settings);
        }
      }
      return servers;
    },
    stop: () => stopAll(servers),
  };
}

/**
 * One round of scenarios 1–5 on a fresh bridge and peer: idle memory after a settle, one round of
 * each scenario (bridge and peer in turn, the references with the introspection), then the
 * memory after the load and the peak.
 */
async function compareRound(run: Run, round: number, references: (bodyBytes: number) => Promise<readonly Server[]>): Promise<void> {
  const { settings, results } = run;
  const starters: (() => Promise<OAuthServer>)[] = [() => startPeer('peer', run.creds, run.dir, true)];
  if (run.bridge) starters.unshift(() => startBridge(run.creds, run.dir));
  const servers: OAuthServer[] = [];
  try {
    for (const start of roundOrder(starters, round)) servers.push(await start());
    servers.sort((a, b) => a.name.localeCompare(b.name));
    await sleep(settings.settleSeconds * 1000);
    for (const server of servers) {
      const side = (results.memory[server.name] ??= { idleMiB: [], idleAfterGcMiB: [], afterLoadMiB: [], peakMiB: [] });
      side.idleMiB.push(server.child.memory().rssMiB);
    }
    if (settings.idleGcSeconds > settings.settleSeconds) {
      await sleep((settings.idleGcSeconds - settings.settleSeconds) * 1000);
      for (const server of servers) results.memory[server.name]!.idleAfterGcMiB.push(server.child.memory().rssMiB);
    }
    const label = `round ${round + 1}/${settings.rounds}`;
    progress(`${label} · 1 introspection and 7 references`);
    const inspected = await introspectionRound(round, servers, references, run.creds, settings, results.notes);
    record(results.introspection, pick(inspected.samples, servers));
    record(results.references, omit(inspected.samples, servers));
    progress(`${label} · 2 refresh rotation`);
    record(results.refresh, await refreshRound(round, servers, settings, results.notes));
    progress(`${label} · 3 code exchange`);
    record(results.codeExchange, await codeExchangeRound(round, servers, settings, results.notes));
    progress(`${label} · 4 link flows with the password check`);
    record(results.linkFlows, await linkFlowRound(round, servers, settings));
    for (const server of servers) {
      const now = server.child.memory();
      const side = results.memory[server.name]!;
      side.afterLoadMiB.push(now.rssMiB);
      side.peakMiB.push(now.peakRssMiB);
    }
  } finally {
    await stopAll(servers);
    for (const server of servers) addLog(results.logs, server.name, summarizeLog(server.child.logFile));
  }
}

function pick<T>(byName: Record<string, T>, servers: readonly Server[]): Record<string, T> {
  return Object.fromEntries(Object.entries(byName).filter(([name]) => servers.some((server) => server.name === name)));
}

function omit<T>(byName: Record<string, T>, servers: readonly Server[]): Record<string, T> {
  return Object.fromEntries(Object.entries(byName).filter(([name]) => !servers.some((server) => server.name === name)));
}

/** Scenarios 1–5 and 7 in `rounds` rounds, each on a fresh bridge and peer. */
async function compare(run: Run): Promise<void> {
  const references = lazyReferences(run);
  try {
    for (let round = 0; round < run.settings.rounds; round += 1) await compareRound(run, round, references.get);
  } finally {
    await references.stop();
  }
}

async function linkFlowsWithoutCheck(run: Run): Promise<void> {
  progress('4 · link flows without a password check (peer only)');
  const peer = await startPeer('peer', run.creds, run.dir, false);
  try {
    run.results.linkFlowsNoPasswordCheck = await linkFlows([peer], run.settings);
  } finally {
    await peer.child.stop();
  }
}

function errorNotes(results: Results): string[] {
  const scenarios: [string, Record<string, Sample[]>][] = [
    ['introspection', results.introspection],
    ['refresh', results.refresh],
    ['code exchange', results.codeExchange],
    ['link flows', results.linkFlows],
    ['link flows without check', results.linkFlowsNoPasswordCheck],
    ['references', results.references],
  ];
  const notes: string[] = [];
  for (const [scenario, bySide] of scenarios) {
    for (const [side, samples] of Object.entries(bySide)) {
      const errors = samples.reduce((sum, s) => sum + s.errors, 0);
      const kinds = [...new Set(samples.flatMap((s) => s.errorKinds))].slice(0, 3);
      if (errors > 0) notes.push(`${scenario}, ${side}: ${errors} failed requests or flows: ${kinds.join('; ')}`);
    }
  }
  return notes;
}

/** How long the exchanges of one batch took, and batches cut short because making codes ran out of time. */
function codeBatchNotes(results: Results, settings: Settings): string[] {
  const notes: string[] = [];
  for (const [side, samples] of Object.entries(results.codeExchange)) {
    const measured = samples.filter((sample) => Number.isFinite(sample.seconds));
    if (measured.length === 0) continue;
    const ms = measured.map((sample) => `${Math.round(sample.seconds * 1000)}`).join(', ');
    notes.push(`code exchange, ${side}: each batch's exchanges took ${ms} ms, a few waves of ${settings.connections} requests, so start-up and the slowest answers of each wave weigh on the figure.`);
    const short = measured.filter((sample) => sample.ok + sample.errors < settings.codeBatch);
    if (short.length) {
      notes.push(
        `code exchange, ${side}: making codes ran out of its ${settings.codeBatchSeconds} s in ${short.length} of ${measured.length} rounds: ` +
          `batches of ${measured.map((sample) => sample.ok + sample.errors).join(', ')} codes instead of ${settings.codeBatch}.`,
      );
    }
  }
  return notes;
}

function scalingNotes(results: Results): string[] {
  return results.scaling.flatMap((point) => {
    const notes: string[] = [];
    const rate = point.linked / point.linkSeconds;
    if (point.copied > 0) {
      notes.push(
        `scaling ${point.requested}: ${point.linked} accounts linked through link flows (${rate.toFixed(1)}/s, scrypt-bound), ` +
          `${point.copied} written into grants.json as copies of a real grant`,
      );
    }
    if (point.linked + point.copied < point.requested) {
      const why = point.copyError ? ` (copying into the data file failed: ${point.copyError})` : '';
      notes.push(`scaling ${point.requested}: only ${point.linked + point.copied} accounts could be set up${why}`);
    }
    if (point.grantsListed !== point.linked + point.copied) {
      notes.push(`scaling ${point.requested}: \`grant list --json\` lists ${point.grantsListed} grants`);
    }
    if (point.linkErrors.length) notes.push(`scaling ${point.requested}: link errors: ${point.linkErrors.join('; ')}`);
    const problems = point.log.problems.length ? `; problems: ${point.log.problems.join(' | ')}` : '';
    notes.push(`scaling ${point.requested}: data files ${Math.round(point.dataBytes / 1024).toLocaleString('en-US')} KiB, RSS ${point.rssMiB.toFixed(0)} MiB${problems}`);
    return notes;
  });
}

function logNotes(results: Results, rounds: number): string[] {
  return Object.entries(results.logs).map(([side, log]) => {
    const levels = Object.entries(log.byLevel).map(([level, count]) => `${level} ${count}`).join(', ');
    const problems = log.problems.length ? `; first problems: ${log.problems.join(' | ')}` : '';
    return `${side} logs of the ${rounds} rounds of scenarios 1–4: ${log.lines} lines (${levels || 'none'})${problems}`;
  });
}

function standingNotes(run: Run): string[] {
  const { settings } = run;
  const notes = [
    `how the rows are measured: each of the ${settings.rounds} rounds starts a fresh bridge and a fresh peer. ` +
      `Idle RSS is VmRSS ${settings.settleSeconds} s after both answered their first 200 (the bridge's Alexa client and user registered through its CLI before that), as for issue 14's figures` +
      (settings.idleGcSeconds > 0
        ? `; and once more ${settings.idleGcSeconds} s after start, once V8's memory reducer has run its idle GC (some 15 s after start here, on both sides). `
        : '. ') +
      `Peak RSS is VmHWM of the same processes after that round of scenarios 1–4 (link 1 account and introspect; link ${settings.chains} accounts and rotate; make and exchange a warm-up batch of ${settings.connections} codes, then the measured batch; link flows): the peak over one round of the load, one figure per round. ` +
      `Cold start is spawn to the first 200 on /health of a fresh process on an empty data dir, ${settings.coldStarts} starts each, bridge and peer one after the other; start i of the bridge is paired with start i of the peer. ` +
      'Throughput: in every round each side is measured once, in an order that flips every round; the ratio column is the median (min–max) of the per-round ratios. ' +
      "Server CPU µs per operation: the CPU time of all the server's threads during the measured window (/proc/<pid>/task/*/schedstat) ÷ successful operations; for code exchange only the exchanges, not the sign-ins that made the codes. " +
      "The share of bare node:http is a side's introspection req/s in a round ÷ the reference's req/s in the same round (the references take their turn in the introspection rounds).",
    'bridge: BRIDGE_API_REQUESTS_PER_MINUTE, BRIDGE_CLIENT_REQUESTS_PER_MINUTE, BRIDGE_SIGN_IN_FAILURE_LIMIT, BRIDGE_SIGN_IN_DAILY_FAILURE_LIMIT and BRIDGE_SIGN_IN_USERNAME_DAILY_FAILURE_LIMIT lifted to 10^9: ' +
      'all load comes from one address, one client and one user, and sign-ins are counted before their password is checked (8 at once exceed the limit of 5). The limiters still run on every request.',
    `bridge: the password-check queue is as users run it: one check at a time, 16 waiting, 503 beyond. The ${settings.flowWorkers} link-flow workers and the ${settings.flowWorkers} code-making workers never have more than ${settings.flowWorkers} sign-ins in flight, so no sign-in is refused; ` +
      "but the bridge hashes one password at a time (scrypt about 90 ms here) while the peer lets libuv's pool run up to four at once: the link-flow rows compare the queue with the peer's parallel hashing, and making each code batch takes the bridge longer. " +
      'The exchange itself runs after the batch is made, with no sign-in in flight, so the queue does not touch the code-exchange figure; and the peak RSS holds one scrypt (32 MiB), not four.',
    'link flows without a password check: the bridge always checks (scrypt N=2^15, r=8, p=1); only the peer is measured without.',
    'peer: default memory adapter, an LRU of about 1,000–2,000 artifacts: it forgets old grants and codes, which bounds its memory; the bridge keeps everything on disk.',
    "peer cold start is measured to its first 200 on a /health route added in front of oidc-provider; its CPU by then may include some or all of hashing its one account's password (one scrypt, about 90 ms on a thread of the pool), which it starts at once.",
    `peer: oidc-provider 9 warns "Unsupported runtime" below Node 22 LTS; it runs on ${process.version} here all the same.`,
    `references answer a ${run.results.introspectionBodyBytes || 300}-byte JSON to the same POST as an introspection.`,
  ];
  if (!run.bridge) notes.unshift(`bridge not built (${BRIDGE_CLI} missing): only the peer and the references ran.`);
  const { loadAverageAtStart, cores } = run.results.machine;
  if (loadAverageAtStart > cores / 2) {
    notes.unshift(
      `the machine was busy (load average ${loadAverageAtStart.toFixed(1)} on ${cores} cores at start): ` +
        'absolute figures are low and noisy; the ratios, from alternating rounds, hold up better.',
    );
  }
  return notes;
}

async function main(): Promise<void> {
  const settings = parseSettings(process.argv.slice(2));
  const run: Run = {
    settings,
    results: emptyResults(settings),
    dir: mkdtempSync(path.join(os.tmpdir(), 'alexa-bench-')),
    creds: credentials(),
    bridge: bridgeBuilt(),
  };
  const { results } = run;
  const began = performance.now();
  progress(`run directory ${run.dir}; ${run.bridge ? 'bridge and peer' : 'peer only: bridge not built'}`);
  try {
    await measureColdStarts(run);
    await compare(run);
    await linkFlowsWithoutCheck(run);
    if (run.bridge) {
      progress(`6 · scaling: ${settings.scaleSizes.join(', ')} linked accounts`);
      await scaling(run.creds, run.dir, settings, results.scaling);
    }
  } catch (error) {
    // The servers' logs stay behind for a look at what went wrong.
    const message = (error as Error).message;
    progress(message);
    results.notes.push(`run stopped early: ${message.split('\n')[0]}; logs kept in ${run.dir}`);
    process.exitCode = 1;
  } finally {
    results.elapsedSeconds = (performance.now() - began) / 1000;
    results.machine.loadAverageAtEnd = os.loadavg()[0]!;
    results.notes.push(...standingNotes(run), ...errorNotes(results), ...codeBatchNotes(results, settings), ...scalingNotes(results), ...logNotes(results, settings.rounds));
    writeJson(results, settings.out);
    process.stdout.write(renderReport(results));
    progress(`raw figures in ${settings.out}`);
  }
  if (process.exitCode !== 1) rmSync(run.dir, { recursive: true, force: true });
}

await main();
