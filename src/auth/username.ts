import type { UserRecord } from '../storage/records.js';

/**
 * The one spelling of a user name that identifies the person: Unicode NFKC (so full-width and
 * other compatibility look-alikes such as `ａｌｉｃｅ` fold to `alice`), surrounding white space
 * removed, then case-folded. Home Assistant's own login does `username.strip().casefold()`
 * (homeassistant/auth/providers/homeassistant.py, `Data.validate_login`), so `Alice`, `alice` and
 * ` ALICE ` are one Home Assistant user; the bridge adds NFKC in front. Python's casefold() is
 * approximated by upper- then lower-casing, which folds `ß` to `ss` as casefold() does.
 * Used for identity (grants, introspection's `username`/`sub`), allow-lists, the sign-in limits'
 * counters and local users.
 */
export function normalizeUsername(name: string): string {
  return name.normalize('NFKC').trim().toUpperCase().toLowerCase();
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
