import type { FlowStepKind } from '../storage/records.js';

/** The stations of a link, in order: what the admin page draws as a timeline. */
export const STAGES = ['request', 'page', 'sign-in', 'consent', 'code', 'token', 'use'] as const;
export type Stage = (typeof STAGES)[number];

export const STAGE_LABELS: Readonly<Record<Stage, string>> = {
  request: 'Request',
  page: 'Sign-in page',
  'sign-in': 'Sign-in',
  consent: 'Consent',
  code: 'Code sent',
  token: 'Token exchange',
  use: 'In use',
};

/**
 * What a step means for the attempt as a whole when it is the last one so far:
 * `progress` waits for the next step, `retryable` is a failure the person can retry on the
 * page, the others end the attempt (until a later step says otherwise).
 */
export type Phase = 'progress' | 'retryable' | 'failed' | 'denied' | 'linked' | 'abandoned';

export interface StepInfo {
  label: string;
  stage: Stage;
  phase: Phase;
}

export const STEPS: Readonly<Record<FlowStepKind, StepInfo>> = {
  authorize: { label: 'authorization request received', stage: 'request', phase: 'progress' },
  refused: { label: 'authorization request refused', stage: 'request', phase: 'failed' },
  page: { label: 'sign-in page shown', stage: 'page', phase: 'progress' },
  'form-expired': { label: 'sign-in form refused (page expired)', stage: 'sign-in', phase: 'failed' },
  'sign-in-failed': { label: 'sign-in failed', stage: 'sign-in', phase: 'retryable' },
  'sign-in-blocked': { label: 'sign-in blocked after repeated failures', stage: 'sign-in', phase: 'retryable' },
  'sign-in-unavailable': { label: 'password could not be checked', stage: 'sign-in', phase: 'retryable' },
  'signed-in': { label: 'signed in', stage: 'sign-in', phase: 'progress' },
  approved: { label: 'allowed', stage: 'consent', phase: 'progress' },
  denied: { label: 'denied', stage: 'consent', phase: 'denied' },
  'code-issued': { label: 'code issued and redirect sent', stage: 'code', phase: 'progress' },
  'save-failed': { label: 'code could not be saved', stage: 'code', phase: 'retryable' },
  'token-failed': { label: 'token exchange refused', stage: 'token', phase: 'failed' },
  'tokens-issued': { label: 'tokens issued', stage: 'token', phase: 'linked' },
  refreshed: { label: 'first refresh', stage: 'use', phase: 'linked' },
  introspected: { label: 'first introspection', stage: 'use', phase: 'linked' },
  directive: { label: 'first smart-home directive', stage: 'use', phase: 'linked' },
  'refresh-failed': { label: 'refresh refused', stage: 'use', phase: 'failed' },
  // Where an abandoned attempt stopped depends on the step before it (attemptState.ts), not on this stage.
  abandoned: { label: 'abandoned', stage: 'request', phase: 'abandoned' },
};

/** The stage after `stage`: where an attempt that went quiet was waiting. */
export function nextStage(stage: Stage): Stage {
  return STAGES[Math.min(STAGES.indexOf(stage) + 1, STAGES.length - 1)]!;
}
