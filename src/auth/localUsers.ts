import type { BridgeContext } from '../context.js';
import { DECOY_PASSWORD_HASH, verifyPassword } from './password.js';
import type { SignInResult } from './signInResult.js';
import { findUser, normalizeUsername } from './username.js';

/** Users added with `alexa-oauth-bridge user add`. */
export async function verifyLocalUser(context: BridgeContext, username: string, password: string): Promise<SignInResult> {
  const user = findUser(context.store.users.values(), username);
  // An unknown user costs the same scrypt as a known one, so timing does not reveal who exists.
  const matches = await verifyPassword(password, user?.passwordHash ?? DECOY_PASSWORD_HASH);
  return user && matches ? { outcome: 'ok', username: normalizeUsername(user.username) } : { outcome: 'invalid' };
}
