import { createHash } from 'node:crypto';
import { htmlShowingControls as html, SafeHtml } from '../html.js';

// The admin page's one stylesheet: Home Assistant's look (its default theme's colours, 12 px
// cards, Roboto), light or dark as the browser is. Inline, allowed by its hash. A date or time
// never breaks inside (`time>span`); so that six columns of them still fit a phone, a
// `table.stacked` shows each row there as a block of labelled lines.
const STYLE = `
:root{color-scheme:light dark;--primary:#03a9f4;--bg:#fafafa;--card:#fff;--text:#212121;--muted:#727272;--divider:#e0e0e0;--ok:#43a047;--warn:#ffa600;--error:#db4437;--todo:#bdbdbd;--chip:#f2f2f2}
@media (prefers-color-scheme:dark){:root{--bg:#111;--card:#1c1c1c;--text:#e1e1e1;--muted:#9b9b9b;--divider:#2f2f2f;--todo:#555;--chip:#2a2a2a}}
*{box-sizing:border-box}body{margin:0;font:14px/1.5 Roboto,"Noto Sans",system-ui,-apple-system,"Segoe UI",sans-serif;background:var(--bg);color:var(--text);overflow-wrap:anywhere}
header{background:var(--card);border-bottom:1px solid var(--divider);padding:0 16px}
.bar{max-width:1040px;margin:0 auto;display:flex;align-items:center;gap:16px;min-height:56px;flex-wrap:wrap}
.bar h1{font-size:20px;font-weight:400;margin:0;flex:1}.bar .who{color:var(--muted);font-size:13px}
nav{max-width:1040px;margin:0 auto;display:flex;gap:4px;flex-wrap:wrap}
nav a{padding:10px 14px;color:var(--muted);text-decoration:none;border-bottom:2px solid transparent;white-space:nowrap;font-weight:500}
nav a.here{color:var(--primary);border-bottom-color:var(--primary)}
main{max-width:1040px;margin:0 auto;padding:16px}
.card{background:var(--card);border:1px solid var(--divider);border-radius:12px;padding:16px;margin:0 0 16px}
.card h2{font-size:18px;font-weight:400;margin:0 0 12px}.card h3{font-size:15px;font-weight:500;margin:0 0 4px}
.muted{color:var(--muted)}.small{font-size:12px}time>span{white-space:nowrap}code{font-family:"Roboto Mono",ui-monospace,monospace;font-size:13px;word-break:break-all}
a{color:var(--primary)}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:6px 16px;margin:0}dl.facts dt{color:var(--muted)}dl.facts dd{margin:0;overflow-wrap:anywhere}
table{width:100%;border-collapse:collapse}th{overflow-wrap:normal}th,td{text-align:left;padding:8px 6px;border-bottom:1px solid var(--divider);vertical-align:top}th{color:var(--muted);font-weight:500;font-size:12px;text-transform:uppercase}
.chip{display:inline-block;padding:1px 10px;border-radius:12px;font-size:12px;font-weight:500;background:var(--chip);white-space:nowrap}
.chip.pass,.chip.linked,.chip.active{color:#fff;background:var(--ok)}.chip.warn,.chip.denied,.chip.abandoned,.chip.expired{color:#000;background:var(--warn)}
.chip.fail,.chip.failed,.chip.revoked{color:#fff;background:var(--error)}.chip.progress{color:#fff;background:var(--primary)}
.notice{border-left:4px solid var(--primary);background:var(--card);padding:10px 14px;border-radius:8px;margin:0 0 16px}
.notice.bad{border-left-color:var(--error)}
button,.button{font:inherit;font-weight:500;padding:6px 14px;border-radius:8px;border:1px solid var(--divider);background:var(--card);color:var(--primary);cursor:pointer}
button.danger{background:var(--error);border-color:var(--error);color:#fff}
details>summary{cursor:pointer;color:var(--error);font-weight:500;list-style:none;overflow-wrap:normal}details>summary::-webkit-details-marker{display:none}
details .confirm{margin-top:8px;padding:10px;border:1px solid var(--error);border-radius:8px}
input[type=text]{font:inherit;padding:6px 10px;border:1px solid var(--divider);border-radius:8px;background:var(--bg);color:var(--text)}
.secret{font-size:16px;padding:12px;border:2px dashed var(--warn);border-radius:8px;display:block;margin:8px 0}
.diagnosis{border-left:4px solid var(--error);padding:8px 12px;margin:12px 0 0;background:var(--bg);border-radius:0 8px 8px 0}
.diagnosis.mild{border-left-color:var(--warn)}.diagnosis p{margin:4px 0}
ol.timeline{list-style:none;display:grid;grid-template-columns:repeat(7,1fr);margin:12px 0 4px;padding:0}
ol.timeline li{position:relative;text-align:center;font-size:12px;color:var(--muted);overflow-wrap:normal;hyphens:auto}
@media (max-width:600px){nav a{padding:8px 10px}main{padding:12px}ol.timeline li{font-size:10px}table{font-size:13px}th,td{padding:6px 3px}.chip{padding:1px 6px}
table.stacked thead{display:none}table.stacked tr{display:block;padding:6px 0;border-bottom:1px solid var(--divider)}table.stacked td{display:block;border:0;padding:2px 0}
table.stacked td[data-label]::before{content:attr(data-label);display:inline-block;width:8.5em;color:var(--muted);font-size:12px;text-transform:uppercase}}
ol.timeline li::before{content:"";position:absolute;top:13px;left:-50%;width:100%;height:3px;background:var(--todo);z-index:0}
ol.timeline li:first-child::before{display:none}
ol.timeline li.done::before,ol.timeline li.failed::before,ol.timeline li.denied::before,ol.timeline li.abandoned::before,ol.timeline li.current::before{background:var(--ok)}
ol.timeline .dot{position:relative;z-index:1;display:flex;align-items:center;justify-content:center;margin:0 auto 4px;width:28px;height:28px;border-radius:50%;border:3px solid var(--todo);background:var(--card);font-weight:700;font-size:14px;color:var(--todo)}
ol.timeline li.done .dot{background:var(--ok);border-color:var(--ok);color:#fff}
ol.timeline li.failed .dot{background:var(--error);border-color:var(--error);color:#fff;width:34px;height:34px;margin-top:-3px}
ol.timeline li.denied .dot,ol.timeline li.abandoned .dot{background:var(--warn);border-color:var(--warn);color:#000;width:34px;height:34px;margin-top:-3px}
ol.timeline li.current .dot{border-color:var(--primary);color:var(--primary)}
ol.timeline li.failed,ol.timeline li.denied,ol.timeline li.abandoned{color:var(--text);font-weight:700}
ol.steps{margin:8px 0 0;padding-left:20px}ol.steps li{margin:4px 0}ol.steps .failed{color:var(--error);font-weight:500}
.row{display:flex;gap:12px;align-items:baseline;flex-wrap:wrap;justify-content:space-between}.inline{display:flex;gap:8px;align-items:center;flex-wrap:wrap}
`;

export const ADMIN_STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

export type AdminSection = 'overview' | 'accounts' | 'clients' | 'flows';

const SECTIONS: readonly [AdminSection, string, string][] = [
  ['overview', 'Overview', '/'],
  ['accounts', 'Linked accounts', '/accounts'],
  ['clients', 'Clients', '/clients'],
  ['flows', 'Recent flows', '/flows'],
];

export interface AdminFrame {
  /** Where the admin app is mounted: Home Assistant's X-Ingress-Path, or nothing. */
  base: string;
  /** Who is looking, as the ingress proxy says; none on loopback. */
  user: string | undefined;
  /** The signed token every form of this page carries. */
  csrfToken: string;
}

/** A link under the ingress path. */
export function href(frame: AdminFrame, path: string): string {
  return `${frame.base}${path}`;
}

/** A POST form with the CSRF token, under the ingress path. */
export function postForm(frame: AdminFrame, path: string, body: SafeHtml): SafeHtml {
  return html`<form method="post" action="${href(frame, path)}"><input type="hidden" name="csrf_token" value="${frame.csrfToken}">${body}</form>`;
}

export function adminPage(frame: AdminFrame, section: AdminSection, title: string, body: SafeHtml): string {
  return `<!doctype html>${html`<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${title} · Alexa OAuth Bridge</title><style>${new SafeHtml(STYLE)}</style></head>
<body><header><div class="bar"><h1>Alexa OAuth Bridge</h1>${frame.user ? html`<span class="who">${frame.user}</span>` : undefined}</div>
<nav>${SECTIONS.map(([name, label, path]) => html`<a href="${href(frame, path)}"${name === section ? new SafeHtml(' class="here" aria-current="page"') : ''}>${label}</a>`)}</nav></header>
<main>${body}</main></body></html>`.html}`;
}
