import type { AttemptDetail, AttemptSummary } from '../../diagnostics/attemptViews.js';
import { htmlShowingControls as html, type SafeHtml } from '../html.js';
import { diagnosisView, flowStatusChip, timelineView } from './attemptWidgets.js';
import { adminPage, href, type AdminFrame } from './layout.js';
import { timeView } from './time.js';

function lookupForm(frame: AdminFrame, notice: string | undefined): SafeHtml {
  return html`<div class="card"><form method="get" action="${href(frame, '/flows')}" class="inline">
<label for="ref">Reference from an error page or the log:</label><input type="text" id="ref" name="ref" size="22" autocomplete="off" spellcheck="false">
<button type="submit">Look up</button></form>${notice ? html`<p class="notice bad">${notice}</p>` : undefined}</div>`;
}

/** Recent attempts, newest first, each as its timeline with the diagnosis. */
export function renderAttemptsPage(frame: AdminFrame, flows: readonly AttemptSummary[], notice?: string): string {
  const cards = flows.map(
    (flow) => html`<div class="card"><div class="row"><h3>${flow.client_id ?? 'unknown client'}${flow.username ? html` · ${flow.username}` : undefined}</h3>
<span>${flowStatusChip(flow)} <span class="muted small">${timeView(Date.parse(flow.started_at))}</span></span></div>
${timelineView(flow)}${diagnosisView(flow)}
<p class="small"><a href="${href(frame, `/flows/${encodeURIComponent(flow.flow_id)}`)}">Steps of ${flow.flow_id}</a></p></div>`,
  );
  return adminPage(
    frame,
    'flows',
    'Recent flows',
    html`${lookupForm(frame, notice)}${cards.length ? cards : html`<div class="card muted">No authorization attempt yet. Start account linking in the Alexa app.</div>`}`,
  );
}

/** One attempt: its timeline, every step with its time, and the diagnosis. */
export function renderAttemptPage(frame: AdminFrame, flow: AttemptDetail): string {
  const facts: [string, string | SafeHtml | null][] = [
    ['Reference', flow.flow_id],
    ['Started', timeView(Date.parse(flow.started_at))],
    ['Client', flow.client_id],
    ['Redirect URI', flow.redirect_uri],
    ['Scope', flow.scope],
    ['PKCE', flow.pkce === null ? null : flow.pkce ? 'yes' : 'no'],
    ['User', flow.username],
    ['Linked account', flow.grant_id],
  ];
  return adminPage(
    frame,
    'flows',
    `Flow ${flow.flow_id}`,
    html`<p><a href="${href(frame, '/flows')}">\u2190 Recent flows</a></p>
<div class="card"><div class="row"><h2>${flow.client_id ?? 'unknown client'}${flow.username ? html` · ${flow.username}` : undefined}</h2>${flowStatusChip(flow)}</div>
${timelineView(flow)}${diagnosisView(flow)}</div>
<div class="card"><h2>Steps</h2><ol class="steps">${flow.steps.map(
      (step) => html`<li><span class="muted small">${timeView(Date.parse(step.at))}</span> <span${step.cause ? html` class="failed"` : undefined}>${step.label}</span>${step.note ? html` <span class="muted">(${step.note})</span>` : undefined}${
        step.cause ? html`<div class="diagnosis"><p><strong>Cause:</strong> ${step.cause}</p><p><strong>Fix:</strong> ${step.fix ?? ''}</p></div>` : undefined
      }</li>`,
    )}</ol>${flow.steps_dropped ? html`<p class="muted small">${flow.steps_dropped} steps in the middle were left out.</p>` : undefined}</div>
<div class="card"><h2>Request</h2><dl class="facts">${facts.map(([label, value]) => html`<dt>${label}</dt><dd>${value ?? '–'}</dd>`)}</dl></div>`,
  );
}
