// Command-line options and the size of every loop. Each loop is bounded by time and by count.
import path from 'node:path';
import { parseArgs } from 'node:util';

export interface Settings {
  quick: boolean;
  rounds: number;
  out: string;
  /** Concurrency of the stateless scenarios and of the code exchanges. */
  connections: number;
  /** Independent refresh-token chains (one linked account each). */
  chains: number;
  /** Workers of the whole link flows, and of code production. */
  flowWorkers: number;
  warmupSeconds: number;
  /** Length of one measured round of every throughput scenario. */
  roundSeconds: number;
  /** Upper bound on operations in one closed-loop round. */
  maxOpsPerRound: number;
  /** Codes linked beforehand for each code-exchange round, and the time allowed to make them. */
  codeBatch: number;
  codeBatchSeconds: number;
  coldStarts: number;
  /** Linked accounts on disk for the scaling scenario, and the time allowed to link each size. */
  scaleSizes: number[];
  seedSecondsPerSize: number;
  /** At most this many accounts are linked over HTTP; the rest are copies written to the data file. */
  linkedSeedMax: number;
  /** How long a server sits after start before its idle memory is read. */
  settleSeconds: number;
  /**
   * When it is read once more, after V8's memory reducer has run its idle GC (some 15 s after
   * start here); 0 skips that reading.
   */
  idleGcSeconds: number;
}

const USAGE = `usage: node --import tsx test/bench/run.ts [--quick] [--rounds N] [--out FILE] [--scale 10,1000,10000]`;

function positiveInt(text: string, name: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${text}"\n${USAGE}`);
  return value;
}

export function parseSettings(argv: string[]): Settings {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      out: { type: 'string' },
      scale: { type: 'string' },
    },
  });
  const quick = values.quick ?? false;
  const scaleSizes = values.scale
    ? values.scale.split(',').map((size) => positiveInt(size, '--scale'))
    : quick ? [10, 50] : [10, 1000, 10_000];
  return {
    quick,
    rounds: values.rounds ? positiveInt(values.rounds, '--rounds') : 3,
    out: path.resolve(values.out ?? path.join(import.meta.dirname, '../artifacts/bench.json')),
    connections: 32,
    chains: 32,
    flowWorkers: 8,
    warmupSeconds: quick ? 0.5 : 2,
    roundSeconds: quick ? 1 : 6,
    maxOpsPerRound: 500_000,
    codeBatch: quick ? 24 : 128,
    codeBatchSeconds: quick ? 8 : 30,
    coldStarts: 5,
    scaleSizes: [...scaleSizes].sort((a, b) => a - b),
    seedSecondsPerSize: quick ? 10 : 60,
    linkedSeedMax: quick ? 20 : 1000,
    settleSeconds: quick ? 0.5 : 1,
    idleGcSeconds: quick ? 0 : 20,
  };
}
