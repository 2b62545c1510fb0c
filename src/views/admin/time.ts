import { formatTime } from '../../text/prose.js';
import { htmlShowingControls as html, type SafeHtml } from '../html.js';

/**
 * A moment (ms since the epoch) as the admin pages show it: `<time datetime="ISO 8601">` holding
 * the date and the UTC clock time as two pieces that never break inside (`time > span` is
 * nowrap), so a narrow table cell puts the clock time under the date instead of splitting it.
 */
export function timeView(ms: number): SafeHtml {
  const [date, clock] = formatTime(ms).split(' ', 2) as [string, string];
  return html`<time datetime="${new Date(ms).toISOString()}"><span>${date}</span> <span>${clock} UTC</span></time>`;
}
