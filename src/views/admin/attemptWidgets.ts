import type { AttemptSummary } from '../../diagnostics/attemptViews.js';
import { STAGE_LABELS } from '../../diagnostics/steps.js';
import type { StageState } from '../../diagnostics/attemptState.js';
import { htmlShowingControls as html, type SafeHtml } from '../html.js';

const MARK: Readonly<Record<StageState, string>> = { done: '✓', failed: '✗', denied: '–', abandoned: '!', current: '…', todo: '' };

const STATE_WORDS: Readonly<Record<StageState, string>> = {
  done: 'done',
  failed: 'failed here',
  denied: 'denied here',
  abandoned: 'stopped here',
  current: 'waiting',
  todo: 'not reached',
};

/** The stages of a link as a row of stations: where the attempt stopped stands out in colour and size. */
export function timelineView(flow: Pick<AttemptSummary, 'timeline'>): SafeHtml {
  return html`<ol class="timeline">${flow.timeline.map(
    ({ stage, state }) =>
      html`<li class="${state}" title="${STAGE_LABELS[stage]}: ${STATE_WORDS[state]}"><span class="dot" aria-hidden="true">${MARK[state]}</span>${STAGE_LABELS[stage]}<span class="muted small"><br>${state === 'done' || state === 'todo' ? '' : STATE_WORDS[state]}</span></li>`,
  )}</ol>`;
}

export function flowStatusChip(flow: Pick<AttemptSummary, 'status'>): SafeHtml {
  const kind = flow.status === 'in progress' ? 'progress' : flow.status;
  return html`<span class="chip ${kind}">${flow.status}</span>`;
}

/** Cause and fix, red for a failure, amber for what the person chose or left. */
export function diagnosisView(flow: Pick<AttemptSummary, 'cause' | 'fix' | 'status'>): SafeHtml | undefined {
  if (!flow.cause) return undefined;
  const mild = flow.status !== 'failed';
  return html`<div class="diagnosis${mild ? ' mild' : ''}"><p><strong>Cause:</strong> ${flow.cause}</p><p><strong>Fix:</strong> ${flow.fix ?? ''}</p></div>`;
}
