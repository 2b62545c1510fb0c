import { alexaRegionOf } from '../../oauth/redirectUriDifferences.js';
import { DEFAULT_SECRET_OVERLAP_MS, type ClientView } from '../../services/clients.js';
import { formatDuration } from '../../text/prose.js';
import { htmlShowingControls as html, type SafeHtml } from '../html.js';
import { adminPage, postForm, type AdminFrame } from './layout.js';
import { timeView } from './time.js';
import { LOCAL_CLI } from '../../cliCommand.js';

export interface NewSecret {
  clientId: string;
  secret: string;
}

/** What a client that links may do: where it may send people back, which scopes it may ask for. */
function clientFacts(client: ClientView): SafeHtml {
  return html`<dt>Redirect URIs</dt><dd>${client.redirect_uris.map((uri) => {
    const region = alexaRegionOf(uri);
    return html`<div><code>${uri}</code>${region ? html` <span class="muted small">${region.region}</span>` : undefined}</div>`;
  })}</dd>
<dt>Scopes</dt><dd>${client.scopes.map((scope) => html`<code>${scope}</code> `)}</dd>`;
}

/** A backend client links nobody: it may introspect the tokens of the clients it serves. */
function backendFacts(served: readonly string[]): SafeHtml {
  return html`<dt>Backend for</dt><dd>${served.length ? served.map((id) => html`<code>${id}</code> `) : html`<span class="muted">no client (the ones it served were removed)</span>`}<div class="muted small">May introspect their tokens; cannot link accounts or obtain tokens.</div></dd>`;
}

/** Registered clients with their redirect URIs and scopes; a new secret is shown here once, after a rotation. */
export function renderClientsPage(frame: AdminFrame, clients: readonly ClientView[], shown?: { secret?: NewSecret; problem?: string }): string {
  const cards = clients.map((client) => {
    const rotate =
      client.type !== 'public' && client.source === 'cli'
        ? html`<details><summary>Rotate the secret\u2026</summary><div class="confirm">${postForm(
            frame,
            `/clients/${encodeURIComponent(client.client_id)}/rotate-secret`,
            html`<p>Make a new secret for ${client.client_id}? The old one keeps working for ${formatDuration(DEFAULT_SECRET_OVERLAP_MS)}, time to put the new one ${client.type === 'backend' ? 'into the backend' : 'into the Alexa console'}; you can end that sooner here.</p><button type="submit" class="danger">Rotate the secret</button>`,
          )}</div></details>`
        : html`<p class="muted small">${client.type === 'public' ? 'Public client: no secret, PKCE required.' : 'Its secret comes from the add-on options (client_secret).'}</p>`;
    const overlap = client.old_secret_valid_until
      ? html`<div class="notice">The old secret still works until ${timeView(Date.parse(client.old_secret_valid_until))}.${postForm(
          frame,
          `/clients/${encodeURIComponent(client.client_id)}/end-overlap`,
          html` <button type="submit">End it now</button>`,
        )}</div>`
      : undefined;
    return html`<div class="card"><div class="row"><h2>${client.name}</h2><span class="chip">${client.type}</span></div>
<dl class="facts"><dt>Client ID</dt><dd><code>${client.client_id}</code></dd>
${client.backend_for ? backendFacts(client.backend_for) : clientFacts(client)}
<dt>Registered</dt><dd>${client.created_at.slice(0, 10)} (${client.source === 'config' ? 'from the options' : 'with the command line'})</dd></dl>
${overlap}${rotate}</div>`;
  });
  const secret = shown?.secret;
  return adminPage(
    frame,
    'clients',
    'Clients',
    html`${
      secret
        ? html`<div class="card"><h2>New secret for ${secret.clientId}</h2><p>${clients.find((client) => client.client_id === secret.clientId)?.type === 'backend' ? 'Give it to the skill’s backend, which sends it with every introspection.' : 'Copy it into the Alexa console’s Account Linking page, field “Your Secret”, and save.'} It is shown only now: the bridge keeps only its hash.</p><code class="secret">${secret.secret}</code></div>`
        : undefined
    }${shown?.problem ? html`<p class="notice bad">${shown.problem}</p>` : undefined}${cards.length ? cards : html`<div class="card muted">No client is registered. Run: ${LOCAL_CLI} client add alexa --alexa-vendor-id YOUR_VENDOR_ID</div>`}`,
  );
}
