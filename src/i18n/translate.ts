import { escapeHtml, SafeHtml } from '../views/html.js';
import { catalogues, type Language, type MessageKey } from './catalogue.js';

/** A wait, said in the page's language as "in 5 minutes", "in 5 Minuten", "через 5 минут". */
export class Wait {
  constructor(readonly seconds: number) {}
}

type Value = string | number | Wait;
type Params = Readonly<Record<string, Value>>;

/** Something to say to a person, translated only when the page is rendered in their language. */
export interface Message {
  key: MessageKey;
  params?: Params;
}

export function message(key: MessageKey, params?: Params): Message {
  return params ? { key, params } : { key };
}

export interface Translator {
  language: Language;
  text(key: MessageKey, params?: Params): string;
  say(message: Message): string;
  /** The catalogue text escaped, each `{name}` replaced by its value: escaped, unless already SafeHtml. */
  html(key: MessageKey, params?: Readonly<Record<string, Value | SafeHtml>>): SafeHtml;
}

export function translator(language: Language): Translator {
  const catalogue = catalogues[language];
  const valueText = (value: Value): string => (value instanceof Wait ? inWords(language, value.seconds) : String(value));
  const text = (key: MessageKey, params: Params = {}) =>
    catalogue[key].replace(/\{(\w+)\}/g, (placeholder, name: string) => (params[name] === undefined ? placeholder : valueText(params[name])));
  return {
    language,
    text,
    say: (message) => text(message.key, message.params),
    html: (key, params = {}) =>
      new SafeHtml(
        escapeHtml(catalogue[key]).replace(/\{(\w+)\}/g, (placeholder, name: string) => {
          const value = params[name];
          if (value === undefined) return placeholder;
          return value instanceof SafeHtml ? value.html : escapeHtml(valueText(value));
        }),
      ),
  };
}

function inWords(language: Language, seconds: number): string {
  const relative = new Intl.RelativeTimeFormat(language, { numeric: 'always' });
  if (seconds < 90) return relative.format(seconds, 'second');
  if (seconds < 5400) return relative.format(Math.ceil(seconds / 60), 'minute');
  return relative.format(Math.ceil(seconds / 3600), 'hour');
}
