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
  };
}
