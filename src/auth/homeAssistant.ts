import type { Config } from '../config/schema.js';
import type { SignInResult } from './signInResult.js';

const TIMEOUT_MS = 5000;

/**
 * Asks the Supervisor's auth API (the add-on has `auth_api: true`): POST /auth with the
 * add-on's token in X-Supervisor-Token. 200 means the Home Assistant user exists with that
 * password; 401 means it does not. No Authorization header: the Supervisor reads any as Basic.
 */
export async function verifyHomeAssistantUser(config: Config, username: string, password: string): Promise<SignInResult> {
  if (!config.supervisorToken) return { outcome: 'unavailable', reason: 'SUPERVISOR_TOKEN is not set' };
  let response: Response;
  try {
    response = await fetch(`${config.supervisorUrl}/auth`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Supervisor-Token': config.supervisorToken },
      body: JSON.stringify({ username, password }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    await response.body?.cancel();
  } catch (error) {
    return { outcome: 'unavailable', reason: `the Supervisor did not answer: ${(error as Error).name === 'TimeoutError' ? 'timed out' : (error as Error).message}` };
  }
  if (response.status === 200) return { outcome: 'ok', username };
  if (response.status === 401) return { outcome: 'invalid' };
  return { outcome: 'unavailable', reason: `the Supervisor answered ${response.status}` };
}
