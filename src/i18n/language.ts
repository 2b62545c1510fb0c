import { LANGUAGES, type Language } from './catalogue.js';

/**
 * The language to answer in, from an `Accept-Language` header (RFC 9110 §12.5.4): the
 * preferred language we have, matched on its primary subtag (`de-AT` → `de`); English otherwise.
 */
export function pickLanguage(acceptLanguage: string | undefined): Language {
  const ranges = (acceptLanguage ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...parameters] = part.trim().split(';');
      const q = parameters.map((p) => /^\s*q=([0-9.]+)\s*$/i.exec(p)?.[1]).find((value) => value !== undefined);
      return { primary: tag.trim().toLowerCase().split('-')[0]!, q: q === undefined ? 1 : Number(q), index };
    })
    .filter((range) => range.q > 0 && !Number.isNaN(range.q))
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const range of ranges) {
    if ((LANGUAGES as readonly string[]).includes(range.primary)) return range.primary as Language;
  }
  return 'en';
}
