import { createHash } from 'node:crypto';
import { visible } from '../text/visible.js';

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** A tagged template whose interpolations are escaped unless they are already `SafeHtml`. */
export class SafeHtml {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}

type Interpolation = string | number | SafeHtml | readonly SafeHtml[] | undefined | null | false;

type HtmlTag = (strings: TemplateStringsArray, ...values: Interpolation[]) => SafeHtml;

function htmlTag(shown: (text: string) => string): HtmlTag {
  const render = (value: Interpolation): string => {
    if (value === undefined || value === null || value === false) return '';
    if (value instanceof SafeHtml) return value.html;
    if (Array.isArray(value)) return value.map((item: SafeHtml) => item.html).join('');
    return escapeHtml(shown(String(value)));
  };
  // The cooked strings: a character above U+00FF is written as a \u escape in these templates,
  // since esbuild cannot escape a tagged template's raw text and one such character makes V8 hold
  // the whole bundle's source as UTF-16 (test/bundle-source-one-byte.test.ts).
  return (strings, ...values) => {
    let out = strings[0]!;
    values.forEach((value, i) => {
      out += render(value) + strings[i + 1]!;
    });
    return new SafeHtml(out);
  };
}

/** Text exactly as given: the consent page's hidden inputs must post back what came. */
export const html: HtmlTag = htmlTag((text) => text);

/** For the admin pages, which show what requests sent: invisible and bidi control characters made visible. */
export const htmlShowingControls: HtmlTag = htmlTag(visible);

// One stylesheet for every page, inline so the page needs no second request, allowed by its hash.
// Light and dark follow the phone's setting; sizes fit a phone (Alexa opens the page in its app).
const STYLE = `
:root{color-scheme:light dark;--bg:#f4f6f8;--card:#fff;--text:#1c2733;--muted:#5b6b7b;--accent:#0a7cc1;--danger:#b3261e;--border:#d5dde5}
@media (prefers-color-scheme:dark){:root{--bg:#111418;--card:#1c2127;--text:#e6eaee;--muted:#9aa7b4;--accent:#4fb3f0;--danger:#ff8a80;--border:#333c46}}
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--text);overflow-wrap:anywhere}
main{max-width:26rem;margin:0 auto;padding:1.25rem}
.card{background:var(--card);border:1px solid var(--border);border-radius:12px;padding:1.25rem}
h1{font-size:1.3rem;margin:0 0 .75rem}p{margin:.5rem 0}.muted{color:var(--muted);font-size:.9rem}
ul{padding-left:1.25rem;margin:.5rem 0}label{display:block;margin:.75rem 0 .25rem;font-weight:600}
input[type=text],input[type=password]{width:100%;font-size:1rem;padding:.7rem;border:1px solid var(--border);border-radius:8px;background:var(--bg);color:var(--text)}
.actions{display:flex;gap:.75rem;margin-top:1.25rem}
button{flex:1;font-size:1rem;padding:.8rem;border-radius:8px;border:1px solid var(--border);background:var(--card);color:var(--text);cursor:pointer}
button.primary{background:var(--accent);border-color:var(--accent);color:#fff;font-weight:600}
.error{border-left:4px solid var(--danger);padding:.5rem .75rem;margin:.75rem 0;color:var(--danger);background:transparent}
code{word-break:break-all}
`;

export const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

export function page(options: { title: string; lang?: string; body: SafeHtml }): string {
  return `<!doctype html>${html`<html lang="${options.lang ?? 'en'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${options.title}</title><style>${new SafeHtml(STYLE)}</style></head>
<body><main>${options.body}</main></body></html>`.html}`;
}
