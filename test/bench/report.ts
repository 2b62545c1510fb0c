// The report: one markdown table (medians with min–max over rounds, bridge ÷ peer, goals) for
// stdout, and every raw figure as JSON.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LogSummary } from './proc.ts';
import type { ScalePoint } from './scaling.ts';
import type { Settings } from './settings.ts';
import { spread, type Sample, type Spread } from './stats.ts';

export interface SideMemory {
  idleMiB: number;
  afterLoadMiB: number;
  peakMiB: number;
}

export interface Results {
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; date: string; loadAverageAtStart: number; loadAverageAtEnd: number };
  settings: Settings;
  introspection: Record<string, Sample[]>;
  introspectionBodyBytes: number;
  refresh: Record<string, Sample[]>;
  codeExchange: Record<string, Sample[]>;
  linkFlows: Record<string, Sample[]>;
  linkFlowsNoPasswordCheck: Record<string, Sample[]>;
  memory: Record<string, SideMemory>;
  coldStartMs: Record<string, number[]>;
  scaling: ScalePoint[];
  references: Record<string, Sample[]>;
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
    scaling: [],
    references: {},
    logs: {},
    notes: [],
    elapsedSeconds: 0,
  };
}

const BRIDGE = 'bridge';
const PEER = 'peer';

function number(value: number): string {
  if (!Number.isFinite(value)) return '—';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function cell(figure: Spread | undefined): string {
  if (!figure || !Number.isFinite(figure.median)) return '—';
  if (figure.min === figure.max) return number(figure.median);
  return `${number(figure.median)} (${number(figure.min)}–${number(figure.max)})`;
}

interface Goal {
  text: string;
  met: (ratio: number) => boolean;
}

const atLeast = (times: number): Goal => ({ text: `≥ ${times}×`, met: (ratio) => ratio >= times });
const atMost = (times: number, text = `≤ ${times}×`): Goal => ({ text, met: (ratio) => ratio <= times });
const NOT_WORSE_P99 = atMost(1, 'p99 ≤ peer');

function verdict(goal: Goal | undefined, ratio: number): string {
  if (!goal) return '';
  if (!Number.isFinite(ratio)) return 'not run';
  return goal.met(ratio) ? 'pass' : '**FAIL**';
}

type Row = [metric: string, bridge: string, peer: string, ratio: string, goal: string, result: string];

function comparison(metric: string, bridge: Spread | undefined, peer: Spread | undefined, goal?: Goal): Row {
  const ratio = bridge && peer ? bridge.median / peer.median : Number.NaN;
  return [metric, cell(bridge), cell(peer), Number.isFinite(ratio) ? `${number(ratio)}×` : '—', goal?.text ?? '', verdict(goal, ratio)];
}

function field(samples: Record<string, Sample[]>, side: string, pick: (sample: Sample) => number): Spread | undefined {
  const list = samples[side];
  return list?.length ? spread(list.map(pick)) : undefined;
}

/** Rate, p50 and p99 rows of one throughput scenario. */
function throughputRows(label: string, samples: Record<string, Sample[]>, rateGoal: Goal): Row[] {
  const rows: Row[] = [comparison(`${label}: per second`, field(samples, BRIDGE, (s) => s.perSecond), field(samples, PEER, (s) => s.perSecond), rateGoal)];
  rows.push(comparison(`${label}: p50 ms`, field(samples, BRIDGE, (s) => s.p50Ms), field(samples, PEER, (s) => s.p50Ms)));
  rows.push(comparison(`${label}: p99 ms`, field(samples, BRIDGE, (s) => s.p99Ms), field(samples, PEER, (s) => s.p99Ms), NOT_WORSE_P99));
  return rows;
}

function memoryRows(results: Results): Row[] {
  const pick = (side: string, key: keyof SideMemory): Spread | undefined => {
    const value = results.memory[side]?.[key];
    return value === undefined ? undefined : spread([value]);
  };
  const coldStart = (side: string) => (results.coldStartMs[side]?.length ? spread(results.coldStartMs[side]!) : undefined);
  return [
    comparison('5 · RSS idle after start, MiB', pick(BRIDGE, 'idleMiB'), pick(PEER, 'idleMiB'), atMost(0.7)),
    comparison('5 · RSS after scenarios 1–4, MiB', pick(BRIDGE, 'afterLoadMiB'), pick(PEER, 'afterLoadMiB')),
    comparison('5 · peak RSS (VmHWM), MiB', pick(BRIDGE, 'peakMiB'), pick(PEER, 'peakMiB')),
    comparison(`5 · cold start to first 200, ms (${results.settings.coldStarts} starts)`, coldStart(BRIDGE), coldStart(PEER), atMost(0.5)),
  ];
}

/** Each size against the smallest; the goal applies to the largest. */
function scalingRows(points: ScalePoint[]): Row[] {
  const rate = (point: ScalePoint) => spread(point.samples.map((s) => s.perSecond));
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
  const introspection = (side: string) => field(results.introspection, side, (s) => s.perSecond)?.median ?? Number.NaN;
  const share = (side: string, ceiling: number) => {
    const value = introspection(side) / ceiling;
    return Number.isFinite(value) ? `introspection at ${(value * 100).toFixed(0)}%` : '—';
  };
  return Object.entries(results.references).map(([name, samples]) => {
    const rate = spread(samples.map((s) => s.perSecond));
    const p99 = spread(samples.map((s) => s.p99Ms));
    return [
      `7 · ceiling ${name}: ${cell(rate)}/s, p99 ${number(p99.median)} ms (${results.introspectionBodyBytes} B JSON)`,
      share(BRIDGE, rate.median),
      share(PEER, rate.median),
      '',
      '',
      '',
    ];
  });
}

function table(rows: Row[]): string {
  const header: Row = ['scenario', 'bridge', 'peer (oidc-provider 9)', 'bridge ÷ peer', 'goal', 'result'];
  const line = (row: readonly string[]) => `| ${row.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function renderReport(results: Results): string {
  const { machine, settings } = results;
  const noCheck = field(results.linkFlowsNoPasswordCheck, PEER, (s) => s.perSecond);
  const rows: Row[] = [
    ...throughputRows(`1 · introspection (${settings.connections} conn)`, results.introspection, atLeast(2)),
    ...throughputRows(`2 · refresh rotation (${settings.chains} chains)`, results.refresh, atLeast(1.5)),
    ...throughputRows(`3 · code exchange (batches of ${settings.codeBatch}, ${settings.connections} at a time)`, results.codeExchange, atLeast(1.5)),
    ...throughputRows(`4 · link flows, equal scrypt cost (${settings.flowWorkers} workers)`, results.linkFlows, atLeast(1)),
    ['4 · link flows, no password check: per second', 'n/a: check cannot be switched off', cell(noCheck), '', '', ''],
    ...memoryRows(results),
    ...scalingRows(results.scaling),
    ...referenceRows(results),
  ];
  const header = [
    `## alexa-oauth-bridge vs node-oidc-provider${settings.quick ? ' (quick run)' : ''}`,
    '',
    `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}, ${machine.date}; ` +
      `load average ${number(machine.loadAverageAtStart)} at start, ${number(machine.loadAverageAtEnd)} at end; ` +
      `${settings.rounds} alternating rounds of ${settings.roundSeconds} s, median (min–max); all traffic on 127.0.0.1; ` +
      `took ${results.elapsedSeconds.toFixed(0)} s.`,
    '',
  ];
  const notes = results.notes.length ? ['', 'Notes:', ...results.notes.map((note) => `- ${note}`)] : [];
  return [...header, table(rows), ...notes, ''].join('\n');
}

export function writeJson(results: Results, file: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  // NaN is not JSON; null says "not measured".
  writeFileSync(file, `${JSON.stringify(results, (_key, value) => (Number.isNaN(value) ? null : value), 2)}\n`);
}
