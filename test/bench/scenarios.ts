// The measured scenarios. Each prepares every server once, then measures them in alternating
// rounds, so drift of the machine (heat, other load) falls on both sides alike.
import { randomBytes } from 'node:crypto';
import {
  authorize,
  basicAuth,
  clientPost,
  exchangeCode,
  linkAccount,
  refresh,
  type ClientCredentials,
  type OAuthTarget,
  type Tokens,
} from './flows.ts';
import { cannon, closedLoop, type CannonSpec } from './load.ts';
import type { Child } from './proc.ts';
import type { OAuthServer, Server } from './servers.ts';
import type { Settings } from './settings.ts';
import type { Sample } from './stats.ts';

/** Progress goes to stderr, so stdout carries only the report. */
export function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function describe(sample: Sample): string {
  const errors = sample.errors ? `, ${sample.errors} errors (${sample.errorKinds.join('; ')})` : '';
  return `${sample.perSecond.toFixed(1)}/s p50 ${sample.p50Ms.toFixed(1)} ms p99 ${sample.p99Ms.toFixed(1)} ms${errors}`;
}

/**
 * Measures every server once per round, `rounds` times, flipping the order each round so that
 * neither side always runs first. Results are listed per server name, in round order.
 */
async function alternate<S extends { name: string }, T>(
  rounds: number,
  servers: readonly S[],
  measure: (server: S) => Promise<T>,
  show: (result: T) => string,
): Promise<Record<string, T[]>> {
  const results: Record<string, T[]> = Object.fromEntries(servers.map((server) => [server.name, []]));
  for (let round = 0; round < rounds; round += 1) {
    const order = round % 2 === 0 ? servers : [...servers].reverse();
    for (const server of order) {
      const result = await measure(server);
      results[server.name]!.push(result);
      progress(`  round ${round + 1}/${rounds} ${server.name}: ${show(result)}`);
    }
  }
  return results;
}

/**
 * Prepares each server; one whose preparation fails is left out of the scenario (with a note)
 * rather than taking the other side's figures down with it.
 */
async function prepareEach<P>(
  scenario: string,
  servers: readonly OAuthServer[],
  notes: string[],
  prepare: (server: OAuthServer) => Promise<P>,
): Promise<{ ready: OAuthServer[]; state: Map<string, P> }> {
  const state = new Map<string, P>();
  for (const server of servers) {
    try {
      state.set(server.name, await prepare(server));
    } catch (error) {
      const note = `${scenario}: ${server.name} left out, preparation failed: ${(error as Error).message}`;
      notes.push(note);
      progress(note);
    }
  }
  return { ready: servers.filter((server) => state.has(server.name)), state };
}

/** Links up to `count` accounts with `workers` concurrent flows, within `seconds`. */
export async function linkMany(
  target: OAuthTarget,
  count: number,
  workers: number,
  seconds: number,
): Promise<{ tokens: Tokens[]; sample: Sample }> {
  const tokens: Tokens[] = [];
  const sample = await closedLoop({ workers, seconds, maxOps: count }, async () => {
    tokens.push(await linkAccount(target));
  });
  return { tokens, sample };
}

async function linkExactly(target: OAuthTarget, count: number, settings: Settings): Promise<Tokens[]> {
  // Link flows are scrypt-bound at some 15 a second here: a second per account is ample.
  const linked = await linkMany(target, count, settings.flowWorkers, Math.max(30, count));
  if (linked.tokens.length < count) {
    throw new Error(`linked ${linked.tokens.length} of ${count} accounts: ${linked.sample.errorKinds.join('; ')}`);
  }
  return linked.tokens;
}

function introspectionRequest(url: string, client: ClientCredentials, token: string, settings: Settings): CannonSpec {
  return {
    url,
    method: 'POST',
    headers: { authorization: basicAuth(client), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token }).toString(),
    connections: settings.connections,
    seconds: settings.roundSeconds,
  };
}

export interface IntrospectionResult {
  samples: Record<string, Sample[]>;
  /** Largest introspection answer seen, so the references can answer the same size. */
  bodyBytes: number;
}

/** Scenario 1: RFC 7662 introspection of a valid access token, autocannon at 32 connections. */
export async function introspection(servers: readonly OAuthServer[], settings: Settings, notes: string[]): Promise<IntrospectionResult> {
  let bodyBytes = 0;
  const { ready, state } = await prepareEach('introspection', servers, notes, async (server) => {
    const { access_token } = await linkAccount(server.target);
    const check = await clientPost(server.target, server.target.introspectUrl, { token: access_token });
    if (check.status !== 200 || (JSON.parse(check.body) as { active?: boolean }).active !== true) {
      throw new Error(`introspection answered ${check.status} ${check.body.slice(0, 200)}`);
    }
    bodyBytes = Math.max(bodyBytes, Buffer.byteLength(check.body));
    const spec = introspectionRequest(server.target.introspectUrl, server.target, access_token, settings);
    await cannon({ ...spec, seconds: settings.warmupSeconds });
    return spec;
  });
  const samples = await alternate(settings.rounds, ready, (server) => cannon(state.get(server.name)!), describe);
  return { samples, bodyBytes };
}

/** Each chain sends its newest refresh token, waits, and keeps the rotated one. */
export function rotateChains(target: OAuthTarget, chains: Tokens[], seconds: number, settings: Settings): Promise<Sample> {
  return closedLoop({ workers: chains.length, seconds, maxOps: settings.maxOpsPerRound }, async (chain) => {
    chains[chain] = await refresh(target, chains[chain]!.refresh_token);
  });
}

/** Scenario 2: refresh-token rotation on independent chains, one linked account each. */
export async function refreshRotation(servers: readonly OAuthServer[], settings: Settings, notes: string[]): Promise<Record<string, Sample[]>> {
  const { ready, state } = await prepareEach('refresh', servers, notes, async (server) => {
    const chains = await linkExactly(server.target, settings.chains, settings);
    await rotateChains(server.target, chains, settings.warmupSeconds, settings);
    return chains;
  });
  return alternate(
    settings.rounds,
    ready,
    (server) => rotateChains(server.target, state.get(server.name)!, settings.roundSeconds, settings),
    describe,
  );
}

/** Scenario 3: a batch of codes linked beforehand, then exchanged `connections` at a time. */
export async function codeExchanges(servers: readonly OAuthServer[], settings: Settings, notes: string[]): Promise<Record<string, Sample[]>> {
  const { ready } = await prepareEach('code exchange', servers, notes, async (server) => {
    await exchangeCode(server.target, await authorize(server.target));
  });
  return alternate(settings.rounds, ready, (server) => exchangeBatch(server.target, settings), describe);
}

async function exchangeBatch(target: OAuthTarget, settings: Settings): Promise<Sample> {
  const codes: string[] = [];
  const making = await closedLoop(
    { workers: settings.flowWorkers, seconds: settings.codeBatchSeconds, maxOps: settings.codeBatch },
    async () => {
      codes.push(await authorize(target));
    },
  );
  const exchanging = await closedLoop(
    { workers: settings.connections, seconds: settings.roundSeconds, maxOps: codes.length },
    async () => {
      await exchangeCode(target, codes.pop()!);
    },
  );
  // Failures while making the batch are reported with the exchange, or they would go unseen.
  exchanging.errors += making.errors;
  exchanging.errorKinds.push(...making.errorKinds.map((kind) => `making codes: ${kind}`));
  return exchanging;
}

/** Scenario 4: whole link flows (page → form post → redirect → token), `flowWorkers` at a time. */
export function linkFlows(servers: readonly OAuthServer[], settings: Settings): Promise<Record<string, Sample[]>> {
  return alternate(
    settings.rounds,
    servers,
    (server) =>
      closedLoop({ workers: settings.flowWorkers, seconds: settings.roundSeconds, maxOps: settings.maxOpsPerRound }, async () => {
        await linkAccount(server.target);
      }),
    describe,
  );
}

export interface Launcher {
  name: string;
  launch(): Promise<Child>;
}

/** Scenario 5 (part): spawn to first 200, each launch a fresh process on fresh state. */
export function coldStarts(launchers: readonly Launcher[], settings: Settings): Promise<Record<string, number[]>> {
  return alternate(
    settings.coldStarts,
    launchers,
    async (launcher) => {
      const child = await launcher.launch();
      await child.stop();
      return child.coldStartMs;
    },
    (ms) => `${ms.toFixed(0)} ms`,
  );
}

/** Scenario 7: the bare servers, asked the same POST as an introspection. */
export async function referenceLoad(servers: readonly Server[], client: ClientCredentials, settings: Settings): Promise<Record<string, Sample[]>> {
  const token = randomBytes(32).toString('base64url');
  const spec = (server: Server) => introspectionRequest(server.url, client, token, settings);
  for (const server of servers) await cannon({ ...spec(server), seconds: settings.warmupSeconds });
  return alternate(settings.rounds, servers, (server) => cannon(spec(server)), describe);
}
