// Scenario 6: bridge refresh rotation with 10, 1,000, 10,000 linked accounts on disk. Each size
// gets a fresh data directory; the same number of chains rotates at every size, so only the
// stored volume varies.
//
// Accounts are linked through real link flows up to `linkedSeedMax`, within `seedSecondsPerSize`.
// Those are scrypt-bound (about 10 per second here: the bridge checks one password at a time),
// so 10,000 would take some twenty minutes; beyond what was linked in time, the rest are written
// into the stopped bridge's grants.json as copies of a real grant.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { countGrants, dataDirBytes, restartBridge, startBridge, type BridgeServer } from './bridge.ts';
import { summarizeLog, type LogSummary } from './proc.ts';
import { linkMany, progress, rotateChains } from './scenarios.ts';
import type { Credentials } from './servers.ts';
import type { Settings } from './settings.ts';
import type { Sample } from './stats.ts';

export interface ScalePoint {
  requested: number;
  /** Accounts linked through link flows within the time allowed. */
  linked: number;
  /** Accounts written into grants.json as copies. */
  copied: number;
  /** Why no copies could be written, if so (the data format changed). */
  copyError?: string;
  /** What `grant list --json` counts before the rounds (NaN if the command failed). */
  grantsListed: number;
  linkSeconds: number;
  linkErrors: string[];
  dataBytes: number;
  rssMiB: number;
  chains: number;
  samples: Sample[];
  log: LogSummary;
}

/** A random string of the same form: a UUID for a UUID, else base64url of the same length. */
function randomLike(text: string): string {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(text)) return randomUUID();
  return randomBytes(text.length).toString('base64url').slice(0, text.length);
}

/** Deep copy in which every `id` and every `…hash` / `…Hash` string is replaced by a fresh one. */
function freshCopy(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((item) => freshCopy(item));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, freshCopy(item, name)]));
  }
  if (typeof value === 'string' && (key === 'id' || /hash$/i.test(key))) return randomLike(value);
  return value;
}

/**
 * Grows the grant list of the snapshot `grants.json` (the bridge's own format, see
 * src/storage/records.ts and dataFile.ts) to `total` with copies of its last grant, a fresh,
 * never refreshed one. Throws if the format is no longer what this expects. Returns how many
 * were added.
 */
function copyGrants(dataDir: string, total: number): number {
  const file = path.join(dataDir, 'grants.json');
  const document = JSON.parse(readFileSync(file, 'utf8')) as { grants?: unknown };
  const grants = document.grants;
  if (!Array.isArray(grants) || grants.length === 0) throw new Error(`${file} has no "grants" list to copy from`);
  const template: unknown = grants.at(-1);
  const before = grants.length;
  while (grants.length < total) grants.push(freshCopy(template));
  writeFileSync(file, `${JSON.stringify(document)}\n`);
  return grants.length - before;
}

/** Copies grants while the bridge is stopped; a failure is reported and the size measured as linked. */
function copyOrExplain(dataDir: string, total: number): { copied: number; copyError?: string } {
  try {
    return { copied: copyGrants(dataDir, total) };
  } catch (error) {
    return { copied: 0, copyError: (error as Error).message };
  }
}

async function seed(bridge: BridgeServer, size: number, chains: number, settings: Settings) {
  const began = performance.now();
  const linking = Math.max(chains, Math.min(size, settings.linkedSeedMax));
  const linked = await linkMany(bridge.target, linking, settings.flowWorkers, settings.seedSecondsPerSize);
  const linkSeconds = (performance.now() - began) / 1000;
  let copies: { copied: number; copyError?: string } = { copied: 0 };
  let server = bridge;
  if (linked.tokens.length < size && linked.tokens.length >= chains) {
    // A start folds the journal into grants.json, so after this restart the file holds every grant.
    server = await restartBridge(server, () => undefined);
    server = await restartBridge(server, () => (copies = copyOrExplain(bridge.dataDir, size)));
  }
  progress(`  ${size} accounts: ${linked.tokens.length} linked in ${linkSeconds.toFixed(1)} s, ${copies.copied} copied`);
  return { server, linked, linkSeconds, ...copies };
}

async function measureSize(size: number, chains: number, creds: Credentials, runDir: string, settings: Settings): Promise<ScalePoint> {
  let bridge = await startBridge(creds, runDir);
  try {
    const seeded = await seed(bridge, size, chains, settings);
    bridge = seeded.server;
    const grantsListed = await countGrants(bridge).catch(() => Number.NaN);
    const chain = seeded.linked.tokens.slice(0, chains);
    await rotateChains(bridge.target, chain, settings.warmupSeconds, settings);
    const samples: Sample[] = [];
    for (let round = 0; round < settings.rounds; round += 1) {
      samples.push(await rotateChains(bridge.target, chain, settings.roundSeconds, settings));
      const last = samples.at(-1)!;
      progress(`  round ${round + 1}/${settings.rounds} at ${size}: ${last.perSecond.toFixed(1)}/s p99 ${last.p99Ms.toFixed(1)} ms`);
    }
    return {
      requested: size,
      linked: seeded.linked.tokens.length,
      copied: seeded.copied,
      ...(seeded.copyError ? { copyError: seeded.copyError } : {}),
      grantsListed,
      linkSeconds: seeded.linkSeconds,
      linkErrors: seeded.linked.sample.errorKinds,
      dataBytes: dataDirBytes(bridge.dataDir),
      rssMiB: bridge.child.memory().rssMiB,
      chains: chain.length,
      samples,
      log: summarizeLog(bridge.child.logFile),
    };
  } finally {
    await bridge.child.stop();
  }
}

/** Measures every size in turn, adding each point to `points` as soon as it is done. */
export async function scaling(creds: Credentials, runDir: string, settings: Settings, points: ScalePoint[]): Promise<void> {
  // As many chains at every size as the smallest size allows.
  const chains = Math.min(settings.chains, settings.scaleSizes[0]!);
  for (const size of settings.scaleSizes) points.push(await measureSize(size, chains, creds, runDir, settings));
}
