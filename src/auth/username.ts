import type { UserRecord } from '../storage/records.js';

/**
 * The one spelling of a user name that identifies the person: Unicode NFKC (so full-width and
 * other compatibility look-alikes such as `ａｌｉｃｅ` fold to `alice`), surrounding white space
 * removed, then case-folded. Home Assistant's own login does `username.strip().casefold()`
 * (homeassistant/auth/providers/homeassistant.py, `Data.validate_login`), so `Alice`, `alice` and
 * ` ALICE ` are one Home Assistant user; the bridge adds NFKC in front. Used for identity (grants,
 * introspection's `username`/`sub`), allow-lists, the sign-in limits' counters and local users.
 *
 * Idempotent: folding and NFKC repeat until nothing changes, so a normalized name normalizes to
 * itself (`ẞ` lowers to `ß`, which folds on to `ss`) and every spelling of a name meets one key.
 */
export function normalizeUsername(name: string): string {
  let current = name.normalize('NFKC').trim();
  for (;;) {
    const next = caseFold(current).normalize('NFKC').trim();
    if (next === current) return current;
    current = next;
  }
}

/**
 * Python's str.casefold() (Unicode full case folding), which JavaScript lacks: each code point
 * upper- then lower-cased on its own (`ß` → `ss`, `ſ` → `s`, and `ς` → `σ` wherever it stands, as
 * folding has no final-sigma context). Dotless `ı` is the one letter this would fold wrongly: its
 * upper case `I` lowers to `i`, while casefold() keeps `ı`, so `kadın` and `kadin` are two Home
 * Assistant users. Checked against CPython's casefold() for every code point of its Unicode tables.
 */
function caseFold(text: string): string {
  let folded = '';
  for (const character of text) folded += character === '\u0131' ? character : character.toUpperCase().toLowerCase();
  return folded;
}

/**
 * The local user a name means, compared normalized. A user stored under its normalized name wins,
 * for data from before 0.2, when `Alice` and `alice` could both be added.
 */
export function findUser(users: Iterable<UserRecord>, name: string): UserRecord | undefined {
  const wanted = normalizeUsername(name);
  let found: UserRecord | undefined;
  for (const user of users) {
    if (user.username === wanted) return user;
    if (!found && normalizeUsername(user.username) === wanted) found = user;
  }
  return found;
}
