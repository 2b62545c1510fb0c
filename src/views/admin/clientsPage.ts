import { alexaRegionOf } from '../../oauth/redirectUriDifferences.js';
import type { ClientView } from '../../services/clients.js';
import { htmlShowingControls as html, type SafeHtml } from '../html.js';
import { adminPage, postForm, type AdminFrame } from './layout.js';

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
        ? html`<details><summary>Rotate the secret…</summary><div class="confirm">${postForm(
            frame,
            `/clients/${encodeURIComponent(client.client_id)}/rotate-secret`,
            html`<p>Make a new secret for ${client.client_id}? The old one stops working at once: ${client.type === 'backend' ? 'the backend’s introspections fail until it has the new one' : 'account linking and refreshes fail until the new one is in the Alexa console'}.</p><button type="submit" class="danger">Rotate the secret</button>`,
          )}</div></details>`
        : html`<p class="muted small">${client.type === 'public' ? 'Public client: no secret, PKCE required.' : 'Its secret comes from the add-on options (client_secret).'}</p>`;
    return html`<div class="card"><div class="row"><h2>${client.name}</h2><span class="chip">${client.type}</span></div>
<dl class="facts"><dt>Client ID</dt><dd><code>${client.client_id}</code></dd>
${client.backend_for ? backendFacts(client.backend_for) : clientFacts(client)}
<dt>Registered</dt><dd>${client.created_at.slice(0, 10)} (${client.source === 'config' ? 'from the options' : 'with the command line'})</dd></dl>
${rotate}</div>`;
  });
  const secret = shown?.secret;
  return adminPage(
    frame,
    'clients',
    'Clients',
    html`${
      secret
        ? html`<div class="card"><h2>New secret for ${secret.clientId}</h2><p>Copy it into the Alexa console's Account Linking page, field “Your Client Secret”, and save. It is shown only now: the bridge keeps only its hash.</p><code class="secret">${secret.secret}</code></div>`
        : undefined
    }${shown?.problem ? html`<p class="notice bad">${shown.problem}</p>` : undefined}${cards.length ? cards : html`<div class="card muted">No client is registered. Run: alexa-oauth-bridge client add alexa-skill --alexa-vendor-id YOUR_VENDOR_ID</div>`}`,
  );
}
