import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Clock } from '../context.js';
import { newId } from '../oauth/secrets.js';
import type { FlowRecord, FlowStep, FlowStepKind } from '../storage/records.js';
import type { Store } from '../storage/store.js';
import { visible } from '../text/visible.js';
import { abandonment } from './attemptState.js';

export type AttemptFields = Partial<Pick<FlowRecord, 'clientId' | 'redirectUri' | 'scope' | 'pkce' | 'username' | 'grantId'>>;
export type NewStep = Omit<FlowStep, 'at'>;

/** What a request sent ends up in flows.json, the log and a terminal: cut to size, invisible characters made visible. */
const FIELD_MAX = 300;
const DIAGNOSIS_MAX = 1200;

/** A client retrying a broken exchange must not grow a record without end: its first and latest steps are kept. */
const STEPS_KEPT = 40;
const FIRST_STEPS_KEPT = 10;
/** Steps of one burst (page, sign-in, redirect, exchange) share one write of flows.json. */
const COMMIT_DELAY_MS = 1000;
/** How often, at most, starting a flow also looks for abandoned ones and old ones to drop. */
const SWEEP_EVERY_MS = 60_000;

/**
 * Keeps a record of every linking attempt (an authorization request and all that follows from it:
 * sign-in, code, token exchange, first use; `flows` shows them) in flows.json, bounded by `flowsKept` and
 * `flowsMaxAge`. Steps are recorded in memory at once and written lazily, at most a second
 * later: a flow is a diagnostic, and no code or token answer ever waits for its write (a
 * crash loses at most the last second of steps, never a link). flows.json is its own file so
 * that the hot grants.json stays small.
 */
export class AttemptRecorder {
  private commitTimer: NodeJS.Timeout | undefined;
  private lastSweepAt = Number.NEGATIVE_INFINITY;
  /** Steady-clock time of each flow's code, to tell a jump of the wall clock from a slow exchange; meaningless across restarts, so memory only. */
  private readonly codeIssuedSteady = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly config: Config,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** Milliseconds that never jump; none when the wall clock is a test's, which jumps on purpose. */
    private readonly steadyClock?: () => number,
  ) {}

  /** Starts a new flow with its first step. */
  begin(fields: AttemptFields, step: NewStep, log?: Logger): FlowRecord {
    const now = this.clock();
    if (now - this.lastSweepAt >= SWEEP_EVERY_MS) this.sweep();
    const flow: FlowRecord = { id: newId(), startedAt: now, updatedAt: now, steps: [] };
    this.makeRoom();
    this.store.flows.put(flow);
    return this.append(flow, step, fields, log);
  }

  /** Adds a step to a flow; undefined when the flow is not (or no longer) kept. */
  record(flowId: string | undefined, step: NewStep, fields: AttemptFields = {}, log?: Logger): FlowRecord | undefined {
    const flow = flowId === undefined ? undefined : this.store.flows.get(flowId);
    return flow && this.append(flow, step, fields, log);
  }

  get(flowId: string): FlowRecord | undefined {
    return this.store.flows.get(flowId);
  }

  /** The latest flows first. */
  recent(limit: number): FlowRecord[] {
    return this.store.flows.toArray().slice(-limit).reverse();
  }

  noteCodeIssued(flowId: string): void {
    if (this.steadyClock) this.codeIssuedSteady.set(flowId, this.steadyClock());
  }

  /** How long ago the flow's code was issued by the steady clock, when this process issued it. */
  steadyAgeOfCode(flowId: string | undefined): number | undefined {
    const issued = flowId === undefined ? undefined : this.codeIssuedSteady.get(flowId);
    return issued === undefined || !this.steadyClock ? undefined : this.steadyClock() - issued;
  }

  /** Marks attempts that went quiet as abandoned (and logs why), drops flows older than `flowsMaxAge`. */
  sweep(): { abandoned: number; removed: number } {
    const now = this.clock();
    this.lastSweepAt = now;
    let abandoned = 0;
    let removed = 0;
    for (const flow of this.store.flows.toArray()) {
      if (flow.updatedAt + this.config.flowsMaxAge * 1000 <= now) {
        this.forget(flow.id);
        removed++;
        continue;
      }
      const diagnosis = abandonment(flow, now, this.config);
      if (diagnosis) {
        this.append(flow, { kind: 'abandoned', diagnosis }, {});
        abandoned++;
      }
    }
    if (removed > 0) this.scheduleCommit();
    return { abandoned, removed };
  }

  /** Writes what is still waiting; the daemon calls it on the way down. */
  async flush(): Promise<void> {
    if (!this.commitTimer) return;
    clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    await this.commit();
  }

  private append(flow: FlowRecord, newStep: NewStep, newFields: AttemptFields, log: Logger = this.log): FlowRecord {
    const now = this.clock();
    const step = printableStep(newStep);
    const fields = printableFields(newFields);
    let steps = [...flow.steps, { at: now, ...step }];
    let dropped = flow.stepsDropped ?? 0;
    if (steps.length > STEPS_KEPT) {
      dropped += steps.length - STEPS_KEPT;
      steps = [...steps.slice(0, FIRST_STEPS_KEPT), ...steps.slice(FIRST_STEPS_KEPT - STEPS_KEPT)];
    }
    const next: FlowRecord = { ...flow, ...fields, updatedAt: now, steps, ...(dropped ? { stepsDropped: dropped } : {}) };
    this.store.flows.put(next);
    if (step.diagnosis) {
      log.warn({ flow: flow.id, step: step.kind, reason: step.diagnosis.reason }, `${step.diagnosis.cause} Fix: ${step.diagnosis.fix}`);
    } else {
      log.debug({ flow: flow.id, step: step.kind }, 'flow step');
    }
    this.scheduleCommit();
    return next;
  }

  /**
   * To stay within `flowsKept`, the oldest flow of the least telling kind goes first (flows are kept in
   * the order they began): page views that led nowhere, then anonymous refusals, then attempts
   * where someone signed in, got a code or linked. Anybody can open the page; nobody can push a
   * failed or linked attempt out that way.
   */
  private makeRoom(): void {
    while (this.store.flows.size >= this.config.flowsKept) {
      const oldest: (FlowRecord | undefined)[] = [];
      for (const flow of this.store.flows.values()) {
        const weight = keepingWeight(flow);
        oldest[weight] ??= flow;
        if (weight === 0) break;
      }
      const dropped = oldest.find((flow) => flow !== undefined);
      if (!dropped) return;
      this.forget(dropped.id);
    }
  }

  private forget(flowId: string): void {
    this.store.flows.delete(flowId);
    this.codeIssuedSteady.delete(flowId);
  }

  private scheduleCommit(): void {
    if (this.commitTimer) return;
    this.commitTimer = setTimeout(() => {
      this.commitTimer = undefined;
      void this.commit();
    }, COMMIT_DELAY_MS);
    this.commitTimer.unref();
  }

  private async commit(): Promise<void> {
    try {
      await this.store.commit(this.store.flows);
    } catch (error) {
      // The store has rolled flows back to what is on disk and /health reports the failed write.
      this.log.warn({ err: error }, 'flow records could not be written; the latest steps are lost');
    }
  }
}

/** Steps anybody can cause with a plain page view. */
const PAGE_VIEW_STEPS: ReadonlySet<FlowStepKind> = new Set(['authorize', 'page', 'abandoned']);
/** Steps that only come after a sign-in form was posted with a username, or a code was issued. */
const ATTEMPT_STEPS: ReadonlySet<FlowStepKind> = new Set([
  'sign-in-failed',
  'sign-in-blocked',
  'sign-in-unavailable',
  'signed-in',
  'approved',
  'denied',
  'code-issued',
  'save-failed',
  'tokens-issued',
  'refreshed',
  'introspected',
  'directive',
  'refresh-failed',
]);

/** 0: a page view that led nowhere; 1: a refusal with no sign-in or code behind it; 2: a real attempt. */
function keepingWeight(flow: FlowRecord): 0 | 1 | 2 {
  if (flow.grantId !== undefined || flow.steps.some((step) => ATTEMPT_STEPS.has(step.kind))) return 2;
  return flow.steps.every((step) => PAGE_VIEW_STEPS.has(step.kind)) ? 0 : 1;
}

function printable(text: string, max: number): string {
  const clean = visible(text);
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

function printableStep(step: NewStep): NewStep {
  return {
    ...step,
    ...(step.note !== undefined ? { note: printable(step.note, FIELD_MAX) } : {}),
    ...(step.diagnosis
      ? { diagnosis: { ...step.diagnosis, cause: printable(step.diagnosis.cause, DIAGNOSIS_MAX), fix: printable(step.diagnosis.fix, DIAGNOSIS_MAX) } }
      : {}),
  };
}

function printableFields(fields: AttemptFields): AttemptFields {
  return Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, typeof value === 'string' ? printable(value, FIELD_MAX) : value]));
}
