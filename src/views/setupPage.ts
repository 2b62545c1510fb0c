import { html, page } from './html.js';

/**
 * The admin page while the configuration has problems (`serve --wait-for-config`): what to fix,
 * one line per setting, and where. Nothing else is served until the daemon is restarted.
 */
export function renderSetupPage(problems: readonly string[]): string {
  return page({
    title: 'Alexa OAuth Bridge: configuration needed',
    body: html`<div class="card"><h1>Configuration needed</h1>
<p>The bridge is running but does not serve Alexa yet: its configuration has
${problems.length === 1 ? 'a problem' : `${problems.length} problems`}.</p>
<ul>${problems.map((problem) => html`<li class="error">${problem}</li>`)}</ul>
<p>In Home Assistant, open the add-on's <b>Configuration</b> tab, fill in what is named above, save,
and restart the add-on. Outside Home Assistant, fix the config file or environment and restart
the daemon.</p>
<p class="muted">The add-on's Documentation tab explains every option.</p></div>`,
  });
}
