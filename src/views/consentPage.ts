import type { AuthorizeRequest } from '../oauth/authorizeRequest.js';
import { parseScope } from '../oauth/scope.js';
import { html, page } from './html.js';

export interface ConsentPageInput {
  request: AuthorizeRequest;
  /** Absolute form action, built from the public URL. */
  action: string;
  csrfToken: string;
  username?: string | undefined;
  /** Shown above the form after a failed attempt. */
  error?: string | undefined;
  /** Who checks the password, said so people know which account to use. */
  accountKind: string;
}

/** The sign-in and consent page: one form, no JavaScript, usable on a phone. Allow comes first: Enter submits it. */
export function renderConsentPage(input: ConsentPageInput): string {
  const { request } = input;
  const hidden: [string, string | undefined][] = [
    ['client_id', request.client.id],
    ['redirect_uri', request.redirectUri],
    ['response_type', 'code'],
    ['scope', request.scope],
    ['state', request.state],
    ['code_challenge', request.codeChallenge],
    ['code_challenge_method', request.codeChallenge ? 'S256' : undefined],
    ['csrf_token', input.csrfToken],
  ];
  const scopes = parseScope(request.scope);
  return page({
    title: `Link ${request.client.name}`,
    body: html`<div class="card">
<h1>Link ${request.client.name}</h1>
<p><strong>${request.client.name}</strong> asks to use your ${input.accountKind} account.</p>
<p>It will get this access:</p>
<ul>${scopes.map((scope) => html`<li><code>${scope}</code></li>`)}</ul>
<p class="muted">After you allow it, you return to ${new URL(request.redirectUri).host}. You can end the link at any time by disabling the skill.</p>
${input.error ? html`<p class="error" role="alert">${input.error}</p>` : undefined}
<form method="post" action="${input.action}">
${hidden.filter(([, value]) => value !== undefined).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
<label for="username">Username</label>
<input type="text" id="username" name="username" value="${input.username ?? ''}" autocomplete="username" autocapitalize="none" spellcheck="false" required>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<div class="actions">
<button type="submit" name="decision" value="approve" class="primary">Allow</button>
<button type="submit" name="decision" value="deny" formnovalidate>Deny</button>
</div>
</form></div>`,
  });
}
