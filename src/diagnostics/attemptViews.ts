import type { BridgeContext } from '../context.js';
import { CommandFailure } from '../services/failure.js';
import type { FlowRecord } from '../storage/records.js';
import { attemptState, timeline, type AttemptStatus, type StageState } from './attemptState.js';
import { STEPS, type Stage } from './steps.js';

/** One attempt as `flows` lists it. */
export interface AttemptSummary {
  flow_id: string;
  started_at: string;
  client_id: string | null;
  username: string | null;
  reached: string;
  status: AttemptStatus;
  stopped_at: Stage | null;
  cause: string | null;
  fix: string | null;
  timeline: { stage: Stage; state: StageState }[];
}

/** The whole record, as `flows show` prints it. */
export interface AttemptDetail extends AttemptSummary {
  redirect_uri: string | null;
  scope: string | null;
  pkce: boolean | null;
  grant_id: string | null;
  steps: { at: string; step: string; label: string; note: string | null; reason: string | null; cause: string | null; fix: string | null }[];
  steps_dropped: number;
}

export const DEFAULT_ATTEMPTS_LISTED = 20;

export function listAttempts(context: BridgeContext, args: { last?: number | undefined } = {}): AttemptSummary[] {
  const last = args.last ?? DEFAULT_ATTEMPTS_LISTED;
  if (!Number.isInteger(last) || last < 1) throw new CommandFailure('--last must be a whole number of at least 1');
  const listed: AttemptSummary[] = [];
  const clientsSeen = new Set<string | undefined>();
  for (const flow of context.store.flows.toArray().reverse()) {
    if (listed.length === last) break;
    const latestOfClient = !clientsSeen.has(flow.clientId);
    clientsSeen.add(flow.clientId);
    const summary = summarize(context, flow);
    if (summary.status === 'abandoned' && !latestOfClient && !gotPastThePage(flow)) continue;
    listed.push(summary);
  }
  return listed;
}

/**
 * An attempt abandoned on the sign-in page (a page opened and closed, a link preview) says nothing
 * an operator can act on, unless it is its client's latest: the list leaves those out. `flows show`
 * still finds them.
 */
function gotPastThePage(flow: FlowRecord): boolean {
  return flow.steps.some((step) => step.kind !== 'abandoned' && STEPS[step.kind].stage !== 'request' && STEPS[step.kind].stage !== 'page');
}

export function showAttempt(context: BridgeContext, args: { id: string }): AttemptDetail {
  const flow = context.store.flows.get(args.id);
  if (!flow) throw new CommandFailure(`no flow ${args.id} (flows are kept for ${context.config.flowsKept} attempts and ${Math.round(context.config.flowsMaxAge / 86_400)} days)`);
  return {
    ...summarize(context, flow),
    redirect_uri: flow.redirectUri ?? null,
    scope: flow.scope ?? null,
    pkce: flow.pkce ?? null,
    grant_id: flow.grantId ?? null,
    steps: flow.steps.map((step) => ({
      at: new Date(step.at).toISOString(),
      step: step.kind,
      label: STEPS[step.kind].label,
      note: step.note ?? null,
      reason: step.diagnosis?.reason ?? null,
      cause: step.diagnosis?.cause ?? null,
      fix: step.diagnosis?.fix ?? null,
    })),
    steps_dropped: flow.stepsDropped ?? 0,
  };
}

function summarize(context: BridgeContext, flow: FlowRecord): AttemptSummary {
  const state = attemptState(flow, context.clock(), context.config);
  return {
    flow_id: flow.id,
    started_at: new Date(flow.startedAt).toISOString(),
    client_id: flow.clientId ?? null,
    username: flow.username ?? null,
    reached: state.reached,
    status: state.status,
    stopped_at: state.stoppedAt ?? null,
    cause: state.diagnosis?.cause ?? null,
    fix: state.diagnosis?.fix ?? null,
    timeline: timeline(flow, state),
  };
}
