/** What checking a username and password gave. */
export type SignInResult =
  | { outcome: 'ok'; username: string }
  /** `not-allowed`: the password was right, but allowed_users does not name the user (said only to the admin). */
  | { outcome: 'invalid'; reason?: 'not-allowed' }
  /** The backend could not be asked: not the person's fault, and never a crash. */
  | { outcome: 'unavailable'; reason: string };
