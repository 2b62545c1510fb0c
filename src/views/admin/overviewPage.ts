import type { Check } from '../../doctor/check.js';
import { formatDuration } from '../../text/prose.js';
import type { StorageHealth } from '../../storage/store.js';
import { htmlShowingControls as html } from '../html.js';
import { adminPage, type AdminFrame } from './layout.js';

export interface Overview {
  version: string;
  instance: string;
  uptimeMs: number;
  storage: StorageHealth;
  publicUrl: string;
  clients: number;
  linkedAccounts: number;
  checks: readonly Check[];
}

export function renderOverviewPage(frame: AdminFrame, overview: Overview): string {
  const facts: [string, string][] = [
    ['Version', overview.version],
    ['Health', overview.storage.ok ? `ok, up ${formatDuration(overview.uptimeMs)}` : `storage problem: ${overview.storage.problem ?? 'unknown'}`],
    ['Public URL', overview.publicUrl],
    ['Issuer', overview.publicUrl],
    ['Authorization URI', `${overview.publicUrl}/alexa/authorize`],
    ['Access Token URI', `${overview.publicUrl}/alexa/token`],
    ['Clients', String(overview.clients)],
    ['Linked accounts', String(overview.linkedAccounts)],
    ['Instance', overview.instance],
  ];
  return adminPage(
    frame,
    'overview',
    'Overview',
    html`<div class="card"><h2>Status</h2><dl class="facts">${facts.map(([label, value]) => html`<dt>${label}</dt><dd>${value}</dd>`)}</dl></div>
<div class="card"><h2>Set-up checks</h2><table><tbody>${overview.checks.map(
      (check) => html`<tr><td><span class="chip ${check.status}">${check.status}</span></td><td><strong>${check.title}</strong><div>${check.message}</div>${
        check.fix && check.status !== 'pass' ? html`<div class="muted">Fix: ${check.fix}</div>` : undefined
      }</td></tr>`,
    )}</tbody></table></div>`,
  );
}
