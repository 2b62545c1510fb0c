import assert from 'node:assert/strict';
import { listAttempts, showAttempt, type AttemptDetail } from '../../src/diagnostics/attemptViews.ts';
import type { TestBridge } from './bridge.ts';

/** Diagnostics tests need no admin page; an admin listener on the default port would only collide. */
export const NO_ADMIN = { BRIDGE_ADMIN_PORT: 'off' } as const;

/** The latest authorization attempt, as `flows show` has it. */
export function latestFlow(bridge: TestBridge): AttemptDetail {
  const [latest] = listAttempts(bridge.daemon.context, { last: 1 });
  assert.ok(latest, 'a flow was recorded');
  return showAttempt(bridge.daemon.context, { id: latest.flow_id });
}

/** The latest attempt's diagnosis: its cause and fix, which must be there. */
export function latestDiagnosis(bridge: TestBridge): { reason: string; cause: string; fix: string; flow: AttemptDetail } {
  const flow = latestFlow(bridge);
  const step = flow.steps.findLast((candidate) => candidate.cause !== null);
  assert.ok(step && flow.cause && flow.fix, `the flow has a diagnosis: ${JSON.stringify(flow.steps)}`);
  return { reason: step.reason!, cause: flow.cause, fix: flow.fix, flow };
}

