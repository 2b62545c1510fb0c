import type { Config } from '../config/schema.js';
import type { Message, Translator } from '../i18n/translate.js';
import type { AuthorizeRequest } from '../oauth/authorizeRequest.js';
import { ATTEMPT_FIELD } from '../oauth/observer.js';
import { parseScope } from '../oauth/scope.js';
import { html, page } from './html.js';

export interface ConsentPageInput {
  request: AuthorizeRequest;
  /** Absolute form action, built from the public URL. */
  action: string;
  csrfToken: string;
  /** The linking attempt's id, carried from the page to its post; none when no record is kept. */
  flowId: string | undefined;
  username?: string | undefined;
  /** Shown above the form after a failed attempt. */
  message?: Message | undefined;
  /** Who checks the password, said so people know which account to use. */
  auth: Config['auth'];
  t: Translator;
}

/** The sign-in and consent page: one form, no JavaScript, usable on a phone. Allow comes first: Enter submits it. */
export function renderConsentPage(input: ConsentPageInput): string {
  const { request, t } = input;
  const hidden: [string, string | undefined][] = [
    ['client_id', request.client.id],
    ['redirect_uri', request.redirectUri],
    ['response_type', 'code'],
    ['scope', request.scope],
    ['state', request.state],
    ['code_challenge', request.codeChallenge],
    ['code_challenge_method', request.codeChallenge ? 'S256' : undefined],
    ['csrf_token', input.csrfToken],
    [ATTEMPT_FIELD, input.flowId],
  ];
  const scopes = parseScope(request.scope);
  const title = t.text('consent.title', { client: request.client.name });
  return page({
    title,
    lang: t.language,
    body: html`<div class="card">
<h1>${title}</h1>
<p>${t.html(input.auth === 'homeassistant' ? 'consent.asks.homeassistant' : 'consent.asks.local', { client: html`<strong>${request.client.name}</strong>` })}</p>
<p>${t.text('consent.access')}</p>
<ul>${scopes.map((scope) => html`<li><code>${scope}</code></li>`)}</ul>
<p class="muted">${t.text('consent.after', { host: new URL(request.redirectUri).host })}</p>
${input.message ? html`<p class="error" role="alert">${t.say(input.message)}</p>` : undefined}
<form method="post" action="${input.action}">
${hidden.filter(([, value]) => value !== undefined).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
<label for="username">${t.text('consent.username')}</label>
<input type="text" id="username" name="username" value="${input.username ?? ''}" autocomplete="username" autocapitalize="none" spellcheck="false" required>
<label for="password">${t.text('consent.password')}</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<div class="actions">
<button type="submit" name="decision" value="approve" class="primary">${t.text('consent.allow')}</button>
<button type="submit" name="decision" value="deny" formnovalidate>${t.text('consent.deny')}</button>
</div>
</form></div>`,
  });
}
