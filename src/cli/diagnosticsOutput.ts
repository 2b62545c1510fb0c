import type { AttemptDetail, AttemptSummary } from '../diagnostics/attemptViews.js';
import { STAGE_LABELS } from '../diagnostics/steps.js';
import { formatTime } from '../text/prose.js';
import type { DoctorReport } from '../doctor/doctor.js';
import { formatRecord, formatTable } from './output.js';

/**
 * The widest client_id or username cell of the `flows` list, in characters. Requests choose them:
 * one long value would widen every row's column and push the status past the terminal's edge.
 * `flows show` and `--json` give them whole.
 */
const LIST_CELL_MAX = 32;

function clipped(value: string | null): string | null {
  return value !== null && value.length > LIST_CELL_MAX ? `${value.slice(0, LIST_CELL_MAX - 1)}…` : value;
}

/** `flows`: one line per attempt, newest first. */
export function formatFlowList(flows: readonly AttemptSummary[]): string {
  return formatTable(
    flows.map((flow) => ({
      started: formatTime(Date.parse(flow.started_at)),
      flow: flow.flow_id,
      client: clipped(flow.client_id),
      user: clipped(flow.username),
      status: flow.stopped_at ? `${flow.status} at ${STAGE_LABELS[flow.stopped_at].toLowerCase()}` : flow.status,
      reached: flow.reached,
      diagnosis: flow.cause,
    })),
    ['started', 'flow', 'client', 'user', 'status', 'reached', 'diagnosis'],
  );
}

const MARKS = { ok: '✓', failed: '✗' } as const;

/** `flows show`: the record, then each step with its time, then the diagnosis and the fix. */
export function formatFlowDetail(flow: AttemptDetail): string {
  const head = formatRecord({
    flow: flow.flow_id,
    started: formatTime(Date.parse(flow.started_at)),
    client: flow.client_id,
    redirect_uri: flow.redirect_uri,
    scope: flow.scope,
    pkce: flow.pkce === null ? null : flow.pkce ? 'yes' : 'no',
    user: flow.username,
    grant: flow.grant_id,
    status: flow.stopped_at ? `${flow.status} at ${STAGE_LABELS[flow.stopped_at].toLowerCase()}` : flow.status,
  });
  const steps = flow.steps.map((step) => {
    const line = `  ${formatTime(Date.parse(step.at))}  ${step.cause ? MARKS.failed : MARKS.ok} ${step.label}${step.note ? ` (${step.note})` : ''}`;
    return step.cause ? `${line}\n      cause: ${step.cause}\n      fix:   ${step.fix}` : line;
  });
  const dropped = flow.steps_dropped ? [`  (${flow.steps_dropped} steps in the middle were left out)`] : [];
  // An attempt that went quiet has its diagnosis on no step yet.
  const verdict = flow.cause && !flow.steps.some((step) => step.cause === flow.cause) ? [`diagnosis: ${flow.cause}`, `fix:       ${flow.fix}`] : [];
  return [head, 'steps:', ...steps, ...dropped, ...verdict].join('\n');
}

/** `doctor`: one line per check, its fix below, then the tally. */
export function formatDoctorReport(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((check) => check.title.length));
  const lines = report.checks.flatMap((check) => [
    `${check.status.toUpperCase().padEnd(4)}  ${check.title.padEnd(width)}  ${check.message}`,
    ...(check.fix && check.status !== 'pass' ? [`      ${' '.repeat(width)}  fix: ${check.fix}`] : []),
  ]);
  const count = (status: string) => report.checks.filter((check) => check.status === status).length;
  return [...lines, `${count('pass')} passed, ${count('warn')} warned, ${count('fail')} failed`].join('\n');
}
