// The measured scenarios, one round at a time. In a round every server is prepared, then measured
// one after the other, in an order that flips every other round, so drift of the machine (heat,
// other load) falls on both sides alike and each round gives one bridge ÷ peer ratio.
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
import { missingSample, type Sample } from './stats.ts';

/** Progress goes to stderr, so stdout carries only the report. */
export function progress(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function describe(sample: Sample): string {
  const errors = sample.errors ? `, ${sample.errors} errors (${sample.errorKinds.join('; ')})` : '';
  return `${sample.perSecond.toFixed(1)}/s p50 ${sample.p50Ms.toFixed(1)} ms p99 ${sample.p99Ms.toFixed(1)} ms${errors}`;
}

/** `servers` in round `round`'s order: as given in even rounds, reversed in odd ones. */
export function roundOrder<S>(servers: readonly S[], round: number): readonly S[] {
  return round % 2 === 0 ? servers : [...servers].reverse();
}

/** Something measured once per round under a name: a server and what is measured on it. */
export interface Contender<T> {
  name: string;
  measure(): Promise<T>;
}

/** Measures each contender once, in round `round`'s order; results by name. */
export async function inTurn<T>(
  round: number,
  rounds: number,
  contenders: readonly Contender<T>[],
  show: (result: T) => string,
): Promise<Record<string, T>> {
  const results: Record<string, T> = {};
  for (const contender of roundOrder(contenders, round)) {
    results[contender.name] = await contender.measure();
    progress(`  round ${round + 1}/${rounds} ${contender.name}: ${show(results[contender.name]!)}`);
  }
  return results;
}

/** `rounds` rounds of {@link inTurn}; results listed per name, in round order. */
export async function alternate<T>(
  rounds: number,
  contenders: readonly Contender<T>[],
  show: (result: T) => string,
): Promise<Record<string, T[]>> {
  const results: Record<string, T[]> = Object.fromEntries(contenders.map((contender) => [contender.name, []]));
  for (let round = 0; round < rounds; round += 1) {
    const measured = await inTurn(round, rounds, contenders, show);
    for (const [name, result] of Object.entries(measured)) results[name]!.push(result);
  }
  return results;
}

/**
 * Prepares each server; one whose preparation fails is left out of this round of the scenario
 * (with a note, and a missing sample in its place) rather than taking the other side down with it.
 */
async function prepareEach<P>(
  scenario: string,
  servers: readonly OAuthServer[],
  notes: string[],
  prepare: (server: OAuthServer) => Promise<P>,
): Promise<Map<string, P>> {
  const state = new Map<string, P>();
  for (const server of servers) {
    try {
      state.set(server.name, await prepare(server));
    } catch (error) {
      const note = `${scenario}: ${server.name} left out of a round, preparation failed: ${(error as Error).message}`;
      notes.push(note);
      progress(note);
    }
  }
  return state;
}

/** One round of a scenario on every server; a server whose preparation failed gets a missing sample. */
async function scenarioRound<P>(
  scenario: string,
  round: number,
  servers: readonly OAuthServer[],
  settings: Settings,
  notes: string[],
  prepare: (server: OAuthServer) => Promise<P>,
  measure: (server: OAuthServer, prepared: P) => Promise<Sample>,
): Promise<Record<string, Sample>> {
  const state = await prepareEach(scenario, servers, notes, prepare);
  const contenders = servers.map((server) => ({
    name: server.name,
    measure: async () => (state.has(server.name) ? measure(server, state.get(server.name)!) : missingSample('preparation failed')),
  }));
  return inTurn(round, settings.rounds, contenders, describe);
}

/** Runs `measure` and adds the server's CPU time (all its threads) per successful operation to its sample. */
async function withCpu(server: Server, measure: () => Promise<Sample>): Promise<Sample> {
  const before = server.child.cpuNs();
  const sample = await measure();
  return { ...sample, cpuUsPerOp: (server.child.cpuNs() - before) / 1000 / sample.ok };
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
  // Link flows are scrypt-bound at some 10 a second here: a second per account is ample.
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

export interface IntrospectionRound {
  /** One sample per server and per reference, by name. */
  samples: Record<string, Sample>;
  /** Largest introspection answer seen. */
  bodyBytes: number;
}

/**
 * Scenario 1, one round: RFC 7662 introspection of a valid access token, autocannon at
 * `connections` connections, on each server and on the bare references (scenario 7) in turn, so
 * that the share of the references' ceiling is a ratio of the same minute. `references` is called
 * once the answer's size is known, and returns the (already warm) references to measure.
 */
export async function introspectionRound(
  round: number,
  servers: readonly OAuthServer[],
  references: (bodyBytes: number) => Promise<readonly Server[]>,
  client: ClientCredentials,
  settings: Settings,
  notes: string[],
): Promise<IntrospectionRound> {
  let bodyBytes = 0;
  const specs = await prepareEach('introspection', servers, notes, async (server) => {
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
  // Any token will do for the references, which answer every request alike.
  const token = randomBytes(32).toString('base64url');
  const contenders: Contender<Sample>[] = [
    ...servers.map((server) => ({
      name: server.name,
      measure: async () => {
        const spec = specs.get(server.name);
        return spec ? withCpu(server, () => cannon(spec)) : missingSample('preparation failed');
      },
    })),
    ...(await references(bodyBytes || 300)).map((reference) => ({
      name: reference.name,
      measure: () => withCpu(reference, () => cannon(introspectionRequest(reference.url, client, token, settings))),
    })),
  ];
  return { samples: await inTurn(round, settings.rounds, contenders, describe), bodyBytes };
}

/** Warms a bare reference server up with the same POST as an introspection. */
export async function warmReference(reference: Server, client: ClientCredentials, settings: Settings): Promise<void> {
  const token = randomBytes(32).toString('base64url');
  await cannon({ ...introspectionRequest(reference.url, client, token, settings), seconds: settings.warmupSeconds });
}

/** Each chain sends its newest refresh token, waits, and keeps the rotated one. */
export function rotateChains(target: OAuthTarget, chains: Tokens[], seconds: number, settings: Settings): Promise<Sample> {
  return closedLoop({ workers: chains.length, seconds, maxOps: settings.maxOpsPerRound }, async (chain) => {
    chains[chain] = await refresh(target, chains[chain]!.refresh_token);
  });
}

/** Scenario 2, one round: refresh-token rotation on independent chains, one linked account each. */
export function refreshRound(round: number, servers: readonly OAuthServer[], settings: Settings, notes: string[]): Promise<Record<string, Sample>> {
  return scenarioRound(
    'refresh',
    round,
    servers,
    settings,
    notes,
    async (server) => {
      const chains = await linkExactly(server.target, settings.chains, settings);
      await rotateChains(server.target, chains, settings.warmupSeconds, settings);
      return chains;
    },
    (server, chains) => withCpu(server, () => rotateChains(server.target, chains, settings.roundSeconds, settings)),
  );
}

/**
 * Scenario 3, one round: a batch of codes made by sign-ins, then exchanged `connections` at a
 * time. A first batch of `connections` codes warms the exchange up, as the other scenarios are
 * warmed: on a fresh server the measured batch would otherwise run partly before the JIT.
 */
export function codeExchangeRound(round: number, servers: readonly OAuthServer[], settings: Settings, notes: string[]): Promise<Record<string, Sample>> {
  return scenarioRound(
    'code exchange',
    round,
    servers,
    settings,
    notes,
    async (server) => {
      const warm = await exchangeBatch(server, { ...settings, codeBatch: settings.connections });
      if (warm.errors > 0) throw new Error(`warm-up batch: ${warm.errorKinds.join('; ')}`);
    },
    (server) => exchangeBatch(server, settings),
  );
}

async function exchangeBatch(server: OAuthServer, settings: Settings): Promise<Sample> {
  const { target } = server;
  const codes: string[] = [];
  const making = await closedLoop(
    { workers: settings.flowWorkers, seconds: settings.codeBatchSeconds, maxOps: settings.codeBatch },
    async () => {
      codes.push(await authorize(target));
    },
  );
  // Only the exchanges count towards the CPU per operation, not the sign-ins that made the codes.
  const exchanging = await withCpu(server, () =>
    closedLoop({ workers: settings.connections, seconds: settings.roundSeconds, maxOps: codes.length }, async () => {
      await exchangeCode(target, codes.pop()!);
    }),
  );
  // Failures while making the batch are reported with the exchange, or they would go unseen.
  exchanging.errors += making.errors;
  exchanging.errorKinds.push(...making.errorKinds.map((kind) => `making codes: ${kind}`));
  return exchanging;
}

/** A closed loop of whole link flows (page → form post → redirect → token), `flowWorkers` at a time. */
function linkFlowLoop(server: OAuthServer, settings: Settings): Promise<Sample> {
  return withCpu(server, () =>
    closedLoop({ workers: settings.flowWorkers, seconds: settings.roundSeconds, maxOps: settings.maxOpsPerRound }, async () => {
      await linkAccount(server.target);
    }),
  );
}

/** Scenario 4, one round: whole link flows on each server. */
export function linkFlowRound(round: number, servers: readonly OAuthServer[], settings: Settings): Promise<Record<string, Sample>> {
  const contenders = servers.map((server) => ({ name: server.name, measure: () => linkFlowLoop(server, settings) }));
  return inTurn(round, settings.rounds, contenders, describe);
}

/** Scenario 4 on servers that stay up for every round (the peer without a password check). */
export function linkFlows(servers: readonly OAuthServer[], settings: Settings): Promise<Record<string, Sample[]>> {
  const contenders = servers.map((server) => ({ name: server.name, measure: () => linkFlowLoop(server, settings) }));
  return alternate(settings.rounds, contenders, describe);
}

export interface Launcher {
  name: string;
  launch(): Promise<Child>;
}

/** Scenario 5 (part): spawn to first 200 and the CPU used by then, each launch a fresh process on fresh state. */
export function coldStarts(
  launchers: readonly Launcher[],
  settings: Settings,
): Promise<Record<string, { coldStartMs: number; startCpuMs: number }[]>> {
  const contenders = launchers.map((launcher) => ({
    name: launcher.name,
    measure: async () => {
      const child = await launcher.launch();
      await child.stop();
      return { coldStartMs: child.coldStartMs, startCpuMs: child.startCpuMs };
    },
  }));
  return alternate(settings.coldStarts, contenders, (start) => `${start.coldStartMs.toFixed(0)} ms (${start.startCpuMs.toFixed(0)} ms CPU)`);
}
