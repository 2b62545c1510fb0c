// `npm run bench`: the bridge side by side with node-oidc-provider on this machine.
// Progress goes to stderr, the markdown report to stdout, raw figures to test/artifacts/bench.json.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { bridgeBuilt, spawnBridge, startBridge, BRIDGE_CLI } from './bridge.ts';
import { summarizeLog } from './proc.ts';
import { emptyResults, renderReport, writeJson, type Results } from './report.ts';
import { scaling } from './scaling.ts';
import {
  codeExchanges,
  coldStarts,
  introspection,
  linkFlows,
  progress,
  referenceLoad,
  refreshRotation,
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
  run.results.coldStartMs = await coldStarts(launchers, run.settings);
}

/** Scenarios 1–4 and the memory of scenario 5, on one long-running bridge and peer. */
async function compare(run: Run): Promise<void> {
  const { settings, results } = run;
  const servers: OAuthServer[] = [];
  try {
    if (run.bridge) servers.push(await startBridge(run.creds, run.dir));
    servers.push(await startPeer('peer', run.creds, run.dir, true));
    await sleep(settings.settleSeconds * 1000);
    for (const server of servers) {
      results.memory[server.name] = { idleMiB: server.child.memory().rssMiB, afterLoadMiB: Number.NaN, peakMiB: Number.NaN };
    }

    progress('1 · introspection');
    const inspected = await introspection(servers, settings, results.notes);
    results.introspection = inspected.samples;
    results.introspectionBodyBytes = inspected.bodyBytes;
    progress('2 · refresh rotation');
    results.refresh = await refreshRotation(servers, settings, results.notes);
    progress('3 · code exchange');
    results.codeExchange = await codeExchanges(servers, settings, results.notes);
    progress('4 · link flows with the password check');
    results.linkFlows = await linkFlows(servers, settings);

    for (const server of servers) {
      const now = server.child.memory();
      Object.assign(results.memory[server.name]!, { afterLoadMiB: now.rssMiB, peakMiB: now.peakRssMiB });
    }
  } finally {
    await stopAll(servers);
    for (const server of servers) results.logs[server.name] = summarizeLog(server.child.logFile);
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

async function references(run: Run): Promise<void> {
  progress('7 · references');
  const bodyBytes = run.results.introspectionBodyBytes || 300;
  const servers = [await startReference('node:http', run.dir, bodyBytes), await startReference('koa+koa-body', run.dir, bodyBytes)];
  try {
    run.results.references = await referenceLoad(servers, run.creds, run.settings);
  } finally {
    await stopAll(servers);
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

function logNotes(results: Results): string[] {
  return Object.entries(results.logs).map(([side, log]) => {
    const levels = Object.entries(log.byLevel).map(([level, count]) => `${level} ${count}`).join(', ');
    const problems = log.problems.length ? `; first problems: ${log.problems.join(' | ')}` : '';
    return `${side} log during scenarios 1–4: ${log.lines} lines (${levels || 'none'})${problems}`;
  });
}

function standingNotes(run: Run): string[] {
  const notes = [
    'link flows without a password check: the bridge always checks (scrypt N=2^15, r=8, p=1); only the peer is measured without.',
    'peer: default memory adapter, an LRU of about 1,000–2,000 artifacts: it forgets old grants and codes, which bounds its memory; the bridge keeps everything on disk.',
    'peer cold start is measured to its first 200 on a /health route added in front of oidc-provider.',
    `peer: oidc-provider 9 warns "Unsupported runtime" below Node 22 LTS; it runs on ${process.version} here all the same.`,
    'bridge idle RSS is read after the Alexa client and the user were registered through the CLI.',
    'bridge: BRIDGE_API_REQUESTS_PER_MINUTE and BRIDGE_CLIENT_REQUESTS_PER_MINUTE lifted to 10^9, since all load comes from one address and one client; the limiter still runs on every request.',
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
    await references(run);
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
    results.notes.push(...standingNotes(run), ...errorNotes(results), ...scalingNotes(results), ...logNotes(results));
    writeJson(results, settings.out);
    process.stdout.write(renderReport(results));
    progress(`raw figures in ${settings.out}`);
  }
  if (process.exitCode !== 1) rmSync(run.dir, { recursive: true, force: true });
}

await main();
