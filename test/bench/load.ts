// The two ways load is applied: autocannon for stateless requests, and closed-loop workers for
// stateful flows (each worker sends, waits for the answer, then sends its next request).
import autocannon from 'autocannon';
import { sampleOf, type Sample } from './stats.ts';

export interface CannonSpec {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
  connections: number;
  seconds: number;
}

/** Runs autocannon; only 2xx answers count as done, everything else as an error. */
export async function cannon(spec: CannonSpec): Promise<Sample> {
  const result = await autocannon({ ...spec, duration: spec.seconds, timeout: 10 });
  const errorKinds = Object.entries(result.statusCodeStats)
    .filter(([status]) => !status.startsWith('2'))
    .map(([status, { count }]) => `HTTP ${status} ×${count}`);
  if (result.errors > 0) errorKinds.push(`socket errors ×${result.errors} (timeouts ${result.timeouts})`);
  return {
    ok: result['2xx'],
    errors: result.non2xx + result.errors,
    seconds: result.duration,
    perSecond: result['2xx'] / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errorKinds,
    cpuUsPerOp: Number.NaN,
  };
}

export interface LoopSpec {
  workers: number;
  seconds: number;
  /** Upper bound on operations across all workers, so every loop ends by count as well as time. */
  maxOps: number;
}

/**
 * Runs `op(worker)` in `workers` closed loops until the time or the count is used up. A failed
 * operation ends its worker (a refresh chain cannot go on past a lost token) and is counted.
 */
export async function closedLoop(spec: LoopSpec, op: (worker: number) => Promise<void>): Promise<Sample> {
  const latencies: number[] = [];
  const errors: string[] = [];
  const began = performance.now();
  const deadline = began + spec.seconds * 1000;
  let started = 0;
  const worker = async (index: number) => {
    while (performance.now() < deadline && started < spec.maxOps) {
      started += 1;
      const t0 = performance.now();
      try {
        await op(index);
      } catch (error) {
        errors.push((error as Error).message);
        return;
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: spec.workers }, (_, index) => worker(index)));
  return sampleOf(latencies, errors, (performance.now() - began) / 1000);
}
