import { html, page } from './html.js';

/** A page for a person, when the request cannot go back to the application. */
export function renderErrorPage(title: string, message: string, reference?: string): string {
  return page({
    title,
    body: html`<div class="card"><h1>${title}</h1><p>${message}</p>
<p class="muted">Start the account linking again from the Alexa app. If it keeps failing, the owner of this server can look it up${reference ? html` with reference <code>${reference}</code>` : ''}.</p></div>`,
  });
}
