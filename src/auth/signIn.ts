import type { BridgeContext } from '../context.js';
import { verifyHomeAssistantUser } from './homeAssistant.js';
import { verifyLocalUser } from './localUsers.js';
import type { SignInResult } from './signInResult.js';
import { normalizeUsername } from './username.js';


/**
 * Checks a username and password with the configured backend, then the allow-list, all with the
 * normalized name (src/auth/username.ts); an `ok` result carries that name, the person's identity.
 */
export async function signIn(context: BridgeContext, typed: string, password: string): Promise<SignInResult> {
  const username = normalizeUsername(typed);
  const result =
    context.config.auth === 'homeassistant'
      ? await verifyHomeAssistantUser(context.config, username, password)
      : await verifyLocalUser(context, username, password);
  if (result.outcome !== 'ok') return result;
  const allowed = context.config.allowedUsers;
  if (allowed.length > 0 && !allowed.some((name) => normalizeUsername(name) === result.username)) {
    // Said like a wrong password, so the page does not confirm which accounts exist.
    context.log.info({ username: result.username }, 'sign-in refused: user is not in allowed_users');
    return { outcome: 'invalid', reason: 'not-allowed' };
  }
  return result;
}
