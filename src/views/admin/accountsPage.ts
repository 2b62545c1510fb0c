import type { GrantView } from '../../services/grants.js';
import { htmlShowingControls as html } from '../html.js';
import { adminPage, postForm, type AdminFrame } from './layout.js';
import { timeView } from './time.js';

const when = (iso: string | null) => (iso ? timeView(Date.parse(iso)) : '–');

/** Linked accounts, active first; revoking one asks again before the form is sent. */
export function renderAccountsPage(frame: AdminFrame, grants: readonly GrantView[], notice?: string): string {
  const ordered = [...grants].sort((a, b) => Number(b.status === 'active') - Number(a.status === 'active') || b.linked_at.localeCompare(a.linked_at));
  const rows = ordered.map(
    (grant) => html`<tr><td data-label="User">${grant.username}</td><td data-label="Client">${grant.client_id}</td><td data-label="Linked since">${when(grant.linked_at)}</td><td data-label="Last refresh">${when(grant.last_refresh_at)}</td>
<td data-label="Status"><span class="chip ${grant.status}">${grant.status}</span>${grant.revoked_reason ? html`<div class="muted small">${grant.revoked_reason}</div>` : undefined}</td>
<td>${
      grant.status === 'active'
        ? html`<details><summary>Revoke\u2026</summary><div class="confirm">${postForm(
            frame,
            `/accounts/${encodeURIComponent(grant.grant_id)}/revoke`,
            html`<p>Revoke ${grant.username}'s link with ${grant.client_id}? Alexa stops working for them until they link the skill again.</p><button type="submit" class="danger">Revoke the link</button>`,
          )}</div></details>`
        : undefined
    }</td></tr>`,
  );
  return adminPage(
    frame,
    'accounts',
    'Linked accounts',
    html`${notice ? html`<p class="notice">${notice}</p>` : undefined}<div class="card"><h2>Linked accounts</h2>${
      rows.length
        ? html`<table class="stacked"><thead><tr><th>User</th><th>Client</th><th>Linked since</th><th>Last refresh</th><th>Status</th><th></th></tr></thead><tbody>${rows}</tbody></table>`
        : html`<p class="muted">No account is linked yet.</p>`
    }</div>`,
  );
}
