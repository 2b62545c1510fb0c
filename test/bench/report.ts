// The report: one markdown table (medians with min–max over rounds, bridge ÷ peer, goals) for
// stdout, and every raw figure as JSON.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LogSummary } from './proc.ts';
import type { ScalePoint } from './scaling.ts';
import type { Settings } from './settings.ts';
import { ratioSpread, spread, type Sample, type Spread } from './stats.ts';

/** A server's memory, one figure per round, each from a fresh process. */
export interface SideMemory {
  /** VmRSS after start, registration and a settle, before any load. */
  idleMiB: number[];
  /** VmRSS once more, after V8's idle GC (`idleGcSeconds` after start); empty when skipped. */
  idleAfterGcMiB: number[];
  /** VmRSS after the round's scenarios 1–4. */
  afterLoadMiB: number[];
  /** VmHWM (the process's peak RSS) after the round's scenarios 1–4. */
  peakMiB: number[];
}

export interface Results {
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; date: string; loadAverageAtStart: number; loadAverageAtEnd: number };
  settings: Settings;
  /** Per side, one sample per round; a side left out of a round has a missing sample there. */
  introspection: Record<string, Sample[]>;
  introspectionBodyBytes: number;
  refresh: Record<string, Sample[]>;
  codeExchange: Record<string, Sample[]>;
  linkFlows: Record<string, Sample[]>;
  linkFlowsNoPasswordCheck: Record<string, Sample[]>;
  memory: Record<string, SideMemory>;
  /** Per side, one figure per start; starts of the same index ran one after the other. */
  coldStartMs: Record<string, number[]>;
  /** Per side and start, the CPU time its threads had used by the first 200, ms. */
  coldStartCpuMs: Record<string, number[]>;
  scaling: ScalePoint[];
  /** The bare references, measured in the same rounds as the introspection (round i with round i). */
  references: Record<string, Sample[]>;
  /** Each reference's spawn → first 200 and its RSS a settle later: what Node itself costs. */
  referenceStart: Record<string, { coldStartMs: number; startCpuMs: number; idleMiB: number }>;
  logs: Record<string, LogSummary>;
  notes: string[];
  elapsedSeconds: number;
}

export function emptyResults(settings: Settings): Results {
  return {
    machine: {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.cpus().length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      date: new Date().toISOString(),
      // Other work on the machine skews every figure; the 1-minute load average shows it.
      loadAverageAtStart: os.loadavg()[0]!,
      loadAverageAtEnd: Number.NaN,
    },
    settings,
    introspection: {},
    introspectionBodyBytes: 0,
    refresh: {},
    codeExchange: {},
    linkFlows: {},
    linkFlowsNoPasswordCheck: {},
    memory: {},
    coldStartMs: {},
    coldStartCpuMs: {},
    scaling: [],
    references: {},
    referenceStart: {},
    logs: {},
    notes: [],
    elapsedSeconds: 0,
  };
}

const BRIDGE = 'bridge';
const PEER = 'peer';
const NODE_HTTP = 'node:http';

function number(value: number): string {
  if (!Number.isFinite(value)) return '—';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function cell(figure: Spread | undefined, unit = ''): string {
  if (!figure || !Number.isFinite(figure.median)) return '—';
  if (figure.min === figure.max) return `${number(figure.median)}${unit}`;
  return `${number(figure.median)}${unit} (${number(figure.min)}–${number(figure.max)})`;
}

interface Goal {
  text: string;
  met: (value: number) => boolean;
}

const atLeast = (times: number, unit = '×'): Goal => ({ text: `≥ ${times}${unit}`, met: (value) => value >= times });
const atMost = (times: number, text = `≤ ${times}×`): Goal => ({ text, met: (value) => value <= times });
const NOT_WORSE_P99 = atMost(1, 'p99 ≤ peer');

function verdict(goal: Goal | undefined, value: number): string {
  if (!goal) return '';
  if (!Number.isFinite(value)) return 'not run';
  return goal.met(value) ? 'met' : '**not met**';
}

type Row = [metric: string, bridge: string, peer: string, ratio: string, goal: string, result: string];

/** Bridge and peer figures of the same rounds; the ratio is the median of the per-round ratios. */
function comparison(metric: string, bridge: readonly number[] | undefined, peer: readonly number[] | undefined, goal?: Goal): Row {
  const ratio = bridge && peer ? ratioSpread(bridge, peer) : undefined;
  const shown = (values: readonly number[] | undefined) => (values?.length ? cell(spread(values)) : '—');
  return [metric, shown(bridge), shown(peer), cell(ratio, '×'), goal?.text ?? '', verdict(goal, ratio?.median ?? Number.NaN)];
}

function field(samples: Record<string, Sample[]>, side: string, pick: (sample: Sample) => number): number[] | undefined {
  return samples[side]?.map(pick);
}

const perSecond = (sample: Sample) => sample.perSecond;

/** Per-round share of a reference's rate: `side`'s introspection ÷ the reference, same round. */
function shares(results: Results, side: string, reference: string): number[] | undefined {
  const own = field(results.introspection, side, perSecond);
  const ceiling = field(results.references, reference, perSecond);
  return own && ceiling ? own.map((value, round) => value / (ceiling[round] ?? Number.NaN)) : undefined;
}

function shareRow(metric: string, results: Results, reference: string, goal?: Goal): Row {
  const of = (side: string) => {
    const values = shares(results, side, reference);
    return values ? spread(values) : undefined;
  };
  const bridge = of(BRIDGE);
  return [metric, cell(bridge), cell(of(PEER)), '', goal?.text ?? '', verdict(goal, bridge?.median ?? Number.NaN)];
}

function memory(results: Results, side: string, key: keyof SideMemory): number[] | undefined {
  return results.memory[side]?.[key];
}

/** The seven figures of issue 14, each against its goal. */
function goalRows(results: Results): Row[] {
  const { settings } = results;
  return [
    comparison(`idle RSS ${settings.settleSeconds} s after start, MiB`, memory(results, BRIDGE, 'idleMiB'), memory(results, PEER, 'idleMiB'), atMost(0.7)),
    comparison('peak RSS (VmHWM) over a round, MiB', memory(results, BRIDGE, 'peakMiB'), memory(results, PEER, 'peakMiB'), atMost(0.7)),
    comparison(
      `cold start, spawn → first 200, ms (${settings.coldStarts} starts)`,
      results.coldStartMs[BRIDGE],
      results.coldStartMs[PEER],
      atMost(0.5),
    ),
    comparison(
      `introspection req/s, ${settings.connections} connections`,
      field(results.introspection, BRIDGE, perSecond),
      field(results.introspection, PEER, perSecond),
      atLeast(2),
    ),
    comparison(`refresh rotations/s, ${settings.chains} chains`, field(results.refresh, BRIDGE, perSecond), field(results.refresh, PEER, perSecond), atLeast(1.5)),
    comparison(
      `code exchanges/s, ${settings.connections} concurrent (batches of ${settings.codeBatch})`,
      field(results.codeExchange, BRIDGE, perSecond),
      field(results.codeExchange, PEER, perSecond),
      atLeast(1.5),
    ),
    shareRow('introspection share of bare node:http', results, NODE_HTTP, atLeast(0.35, '')),
  ];
}

/** CPU per operation, p50 and p99 rows of one throughput scenario. */
function latencyRows(label: string, samples: Record<string, Sample[]>): Row[] {
  return [
    comparison(`${label}: server CPU µs per operation`, field(samples, BRIDGE, (s) => s.cpuUsPerOp), field(samples, PEER, (s) => s.cpuUsPerOp)),
    comparison(`${label}: p50 ms`, field(samples, BRIDGE, (s) => s.p50Ms), field(samples, PEER, (s) => s.p50Ms)),
    comparison(`${label}: p99 ms`, field(samples, BRIDGE, (s) => s.p99Ms), field(samples, PEER, (s) => s.p99Ms), NOT_WORSE_P99),
  ];
}

/** Each size against the smallest; the goal applies to the largest. */
function scalingRows(points: ScalePoint[]): Row[] {
  const rate = (point: ScalePoint) => spread(point.samples.map(perSecond));
  const first = points[0];
  return points.map((point, index) => {
    const figure = rate(point);
    const ratio = first ? figure.median / rate(first).median : Number.NaN;
    const goal = index === points.length - 1 && index > 0 ? atLeast(0.5) : undefined;
    const p99 = spread(point.samples.map((s) => s.p99Ms));
    const copied = point.copied ? `, ${point.copied.toLocaleString('en-US')} of them copied` : '';
    return [
      `6 · bridge refresh/s, ${point.requested.toLocaleString('en-US')} accounts${copied} (${point.chains} chains; p99 ${number(p99.median)} ms)`,
      cell(figure),
      '',
      index === 0 ? '' : `${number(ratio)}× of ${first!.requested}`,
      goal?.text ?? '',
      verdict(goal, ratio),
    ];
  });
}

function referenceRows(results: Results): Row[] {
  const names = Object.keys(results.references);
  const ceilings = names.map((name) => {
    const samples = results.references[name]!;
    const p99 = number(spread(samples.map((s) => s.p99Ms)).median);
    const cpu = number(spread(samples.map((s) => s.cpuUsPerOp)).median);
    return `${name} ${cell(spread(samples.map(perSecond)))}, p99 ${p99} ms, ${cpu} µs CPU per request`;
  });
  const starts = Object.entries(results.referenceStart).map(
    ([name, start]) => `${name} ${number(start.coldStartMs)} ms (${number(start.startCpuMs)} ms CPU), ${number(start.idleMiB)} MiB`,
  );
  return [
    ...names.filter((name) => name !== NODE_HTTP).map((name) => shareRow(`7 · introspection share of bare ${name}`, results, name)),
    [`7 · ceilings, req/s (a ${results.introspectionBodyBytes} B JSON answer to the same POST)`, ceilings.join('; '), '', '', '', ''],
    [`7 · floors: bare server's spawn → first 200 (CPU used by then), and idle RSS ${results.settings.settleSeconds} s after (one start each)`, starts.join('; '), '', '', '', ''],
  ];
}

function detailRows(results: Results): Row[] {
  const { settings } = results;
  const noCheck = field(results.linkFlowsNoPasswordCheck, PEER, perSecond);
  const linkLabel = `4 · link flows, ${settings.flowWorkers} workers, same scrypt cost`;
  return [
    ...latencyRows(`1 · introspection`, results.introspection),
    ...latencyRows(`2 · refresh rotation`, results.refresh),
    ...latencyRows(`3 · code exchange`, results.codeExchange),
    comparison(`${linkLabel}: per second`, field(results.linkFlows, BRIDGE, perSecond), field(results.linkFlows, PEER, perSecond), atLeast(1)),
    ...latencyRows(linkLabel, results.linkFlows),
    ['4 · link flows, no password check: per second', 'n/a: check cannot be switched off', noCheck ? cell(spread(noCheck)) : '—', '', '', ''],
    ...(settings.idleGcSeconds > 0
      ? [
          comparison(
            `5 · idle RSS ${settings.idleGcSeconds} s after start, after V8's idle GC, MiB`,
            memory(results, BRIDGE, 'idleAfterGcMiB'),
            memory(results, PEER, 'idleAfterGcMiB'),
          ),
        ]
      : []),
    comparison('5 · cold start: CPU used by the first 200, ms (all threads)', results.coldStartCpuMs[BRIDGE], results.coldStartCpuMs[PEER]),
    comparison('5 · RSS after a round of scenarios 1–4, MiB', memory(results, BRIDGE, 'afterLoadMiB'), memory(results, PEER, 'afterLoadMiB')),
    ...scalingRows(results.scaling),
    ...referenceRows(results),
  ];
}

function table(first: string, rows: Row[]): string {
  const header: Row = [first, 'bridge', 'peer (oidc-provider 9)', 'bridge ÷ peer', 'goal', 'result'];
  const line = (row: readonly string[]) => `| ${row.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function renderReport(results: Results): string {
  const { machine, settings } = results;
  const header = [
    `## alexa-oauth-bridge vs node-oidc-provider${settings.quick ? ' (quick run)' : ''}`,
    '',
    `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}, ${machine.date}; ` +
      `load average ${number(machine.loadAverageAtStart)} at start, ${number(machine.loadAverageAtEnd)} at end; ` +
      `${settings.rounds} alternating rounds of ${settings.roundSeconds} s, fresh servers each round; ` +
      'figures are medians (min–max), bridge ÷ peer the median of the per-round ratios; all traffic on 127.0.0.1; ' +
      `took ${results.elapsedSeconds.toFixed(0)} s.`,
    '',
  ];
  const notes = results.notes.length ? ['', 'Notes:', ...results.notes.map((note) => `- ${note}`)] : [];
  return [
    ...header,
    table('figure (issue 14)', goalRows(results)),
    '',
    table('detail', detailRows(results)),
    ...notes,
    '',
  ].join('\n');
}

export function writeJson(results: Results, file: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  // NaN is not JSON; null says "not measured".
  writeFileSync(file, `${JSON.stringify(results, (_key, value) => (Number.isNaN(value) ? null : value), 2)}\n`);
}
