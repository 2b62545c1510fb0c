/**
 * Characters that are invisible or change how the text around them reads: C0/C1 controls
 * (terminal escapes), format characters (bidirectional overrides and isolates such as U+202E,
 * zero-width spaces and joiners, U+FEFF), line and paragraph separators (U+2028/2029).
 * Unicode TR36 §2.5 and CVE-2021-42574 ("Trojan Source") show what they hide.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/**
 * Text that came from a request, made safe to show to a person in a terminal, a log or a page:
 * every invisible or bidirectional control character becomes its visible escape (`\u202E`).
 */
export function visible(text: string): string {
  return text.replace(INVISIBLE, (char) => {
    const code = char.codePointAt(0)!;
    return code > 0xffff ? `\\u{${code.toString(16).toUpperCase()}}` : `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
  });
}
