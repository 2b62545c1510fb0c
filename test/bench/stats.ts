// Small statistics helpers shared by every scenario.

/** Nearest-rank percentile (p in 0..100) of an unsorted list; NaN when empty. */
function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** What the report prints for a figure measured in several rounds. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(values: readonly number[]): Spread {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  return { median: percentile(finite, 50), min: Math.min(...finite), max: Math.max(...finite) };
}

/** One measured round of a throughput scenario. */
export interface Sample {
  ok: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** First few distinct error descriptions, to tell a slow path from a broken one. */
  errorKinds: string[];
  /** The server's CPU time (all threads) per successful operation, µs; NaN where not measured. */
  cpuUsPerOp: number;
}

/** Builds a Sample from per-operation latencies (ms) of the successful operations. */
export function sampleOf(latenciesMs: readonly number[], errors: string[], seconds: number): Sample {
  return {
    ok: latenciesMs.length,
    errors: errors.length,
    seconds,
    perSecond: latenciesMs.length / seconds,
    p50Ms: percentile(latenciesMs, 50),
    p99Ms: percentile(latenciesMs, 99),
    errorKinds: [...new Set(errors)].slice(0, 5),
    cpuUsPerOp: Number.NaN,
  };
}

/** The place of a round a side could not run (its preparation failed): no figure, no error count. */
export function missingSample(why: string): Sample {
  return { ok: 0, errors: 0, seconds: Number.NaN, perSecond: Number.NaN, p50Ms: Number.NaN, p99Ms: Number.NaN, errorKinds: [why], cpuUsPerOp: Number.NaN };
}

/**
 * Spread of the per-round ratios `numerators[i] / denominators[i]`: rounds in which either side
 * has no finite figure are skipped, so a side left out of a round does not skew the rest.
 */
export function ratioSpread(numerators: readonly number[], denominators: readonly number[]): Spread {
  return spread(numerators.map((value, round) => value / (denominators[round] ?? Number.NaN)));
}
