import type { Message, Translator } from '../i18n/translate.js';
import { html, page } from './html.js';

/** A page for a person, when the request cannot go back to the application; `reference` lets the admin find it. */
export function renderErrorPage(t: Translator, title: Message, text: Message, reference?: string): string {
  return page({
    title: t.say(title),
    lang: t.language,
    body: html`<div class="card"><h1>${t.say(title)}</h1><p>${t.say(text)}</p>
<p class="muted">${reference ? t.html('error.retryWithReference', { reference: html`<code>${reference}</code>` }) : t.html('error.retry')}</p></div>`,
  });
}
