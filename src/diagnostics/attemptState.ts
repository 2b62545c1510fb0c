import type { Config } from '../config/schema.js';
import type { Diagnosis, FlowRecord, FlowStep } from '../storage/records.js';
import { abandonedAt, DENIED } from './authorizeDiagnoses.js';
import { nextStage, STAGES, STEPS, type Stage } from './steps.js';

/** How long a person may stay on the page, or between failed sign-ins, before the attempt counts as abandoned. */
export const ABANDONED_AFTER_MS = 10 * 60_000;
/** A code is given this long past its lifetime for a slow exchange before the attempt counts as abandoned. */
const CODE_GRACE_MS = 30_000;

export type AttemptStatus = 'in progress' | 'linked' | 'failed' | 'denied' | 'abandoned';

export interface AttemptState {
  status: AttemptStatus;
  /** The last step's label: how far the attempt got. */
  reached: string;
  /** The stage where it stopped, when it did. */
  stoppedAt?: Stage;
  diagnosis?: Diagnosis;
}

/** Where an attempt whose last step is `step` waits: a failure the person can retry stays at its stage. */
function waitingStage(step: FlowStep): Stage {
  const info = STEPS[step.kind];
  return info.phase === 'retryable' ? info.stage : nextStage(info.stage);
}

/** The diagnosis of an attempt that went quiet too long after its last step; undefined while it may go on. */
export function abandonment(flow: FlowRecord, now: number, config: Config): Diagnosis | undefined {
  const last = flow.steps.at(-1);
  if (!last) return undefined;
  const { phase } = STEPS[last.kind];
  if (phase !== 'progress' && phase !== 'retryable') return undefined;
  const idle = now - last.at;
  if (last.kind === 'code-issued') {
    return idle > config.codeTtl * 1000 + CODE_GRACE_MS ? abandonedAt('code', idle, config.publicUrl) : undefined;
  }
  if (idle <= ABANDONED_AFTER_MS) return undefined;
  return abandonedAt(last.kind.startsWith('sign-in-') ? 'sign-in' : 'page', idle, config.publicUrl);
}

/** What an attempt's steps add up to, now. */
export function attemptState(flow: FlowRecord, now: number, config: Config): AttemptState {
  const reachedStep = flow.steps.findLast((step) => step.kind !== 'abandoned');
  const last = flow.steps.at(-1);
  const reached = reachedStep ? STEPS[reachedStep.kind].label : 'nothing';
  if (!last || !reachedStep) return { status: 'in progress', reached };
  const { phase, stage } = STEPS[last.kind];
  switch (phase) {
    case 'linked':
      return { status: 'linked', reached };
    case 'denied':
      return { status: 'denied', reached, stoppedAt: stage, diagnosis: last.diagnosis ?? DENIED };
    case 'failed':
      return { status: 'failed', reached, stoppedAt: stage, ...(last.diagnosis ? { diagnosis: last.diagnosis } : {}) };
    case 'abandoned':
      return { status: 'abandoned', reached, stoppedAt: waitingStage(reachedStep), ...(last.diagnosis ? { diagnosis: last.diagnosis } : {}) };
    default: {
      const quiet = abandonment(flow, now, config);
      if (quiet) return { status: 'abandoned', reached, stoppedAt: waitingStage(last), diagnosis: quiet };
      return { status: 'in progress', reached, ...(last.diagnosis ? { diagnosis: last.diagnosis } : {}) };
    }
  }
}

export type StageState = 'done' | 'failed' | 'denied' | 'abandoned' | 'current' | 'todo';

/** Each stage of the link and how far this attempt got through it: the timeline's picture. */
export function timeline(flow: FlowRecord, state: AttemptState): { stage: Stage; state: StageState }[] {
  const done = new Set<Stage>();
  for (const step of flow.steps) {
    const { phase, stage } = STEPS[step.kind];
    if (phase === 'progress' || phase === 'linked') done.add(stage);
  }
  let currentShown = false;
  return STAGES.map((stage) => {
    if (stage === state.stoppedAt) {
      return { stage, state: state.status === 'denied' ? 'denied' : state.status === 'abandoned' ? 'abandoned' : 'failed' };
    }
    if (done.has(stage) && !(state.stoppedAt && STAGES.indexOf(stage) > STAGES.indexOf(state.stoppedAt))) return { stage, state: 'done' };
    if (state.status === 'in progress' && !currentShown) {
      currentShown = true;
      return { stage, state: 'current' };
    }
    return { stage, state: 'todo' };
  });
}
