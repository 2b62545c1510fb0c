import type { Config } from '../config/schema.js';
import type { BridgeContext } from '../context.js';
import { readAtMost } from '../net/boundedRead.js';
import { findLiveToken } from '../oauth/introspection.js';
import type { ClientRequestFacts } from '../oauth/facts.js';
import type { GrantRecord } from '../storage/records.js';
import { homeAssistantApi, SMART_HOME_PATH } from './homeAssistantApi.js';

/** A directive is a few kilobytes (Alexa Smart Home API v3); anything much bigger is not one. */
export const DIRECTIVE_MAX_BYTES = 64 * 1024;
/** Home Assistant's answer to a Discover directive lists every exposed entity: generous, but bounded. */
const ANSWER_MAX_BYTES = 8 * 1024 * 1024;

/** Why a bearer token may not carry a directive (RFC 6750 §3.1 `invalid_token` for all but `missing`). */
export type DirectiveRefusal = 'missing' | 'unknown-or-expired' | 'not-an-access-token' | 'client-not-allowed';

/**
 * The linked account a directive's bearer token (RFC 6750 §2.1) belongs to: a live access token of
 * this bridge, issued to a client in `smart_home_clients`. A revoked, expired or refresh token,
 * or another client's, is refused here, before anything reaches Home Assistant.
 */
export function authorizeDirective(context: BridgeContext, token: string | undefined): { grant: GrantRecord } | { refused: DirectiveRefusal } {
  if (!token) return { refused: 'missing' };
  // findLiveToken notes what it saw for the client-endpoint diagnostics; nothing here reports them.
  const facts: ClientRequestFacts = { endpoint: 'introspection', authenticated: false };
  const found = findLiveToken(context, token, facts);
  if (!found) return { refused: 'unknown-or-expired' };
  if (found.kind !== 'access') return { refused: 'not-an-access-token' };
  if (!context.config.smartHomeClients.includes(found.grant.clientId)) return { refused: 'client-not-allowed' };
  return { grant: found.grant };
}

/** What goes back to the Lambda: Home Assistant's answer, or the bridge's own error. */
export type RelayAnswer =
  | { from: 'home-assistant'; status: number; contentType: string | undefined; body: Buffer }
  | { from: 'bridge'; status: 502 | 504; error: RelayError; description: string; /** For the log only: where and how. */ detail: string };

/**
 * The bridge's own failures, as `error` in a JSON body. Home Assistant's Lambda turns any status
 * ≥ 400 other than 401/403 into Alexa's INTERNAL_ERROR with the body as its message.
 */
export type RelayError = 'home_assistant_unreachable' | 'home_assistant_timeout' | 'home_assistant_refused_bridge' | 'home_assistant_answer_too_large';

/**
 * POSTs `directive` byte for byte to Home Assistant's /api/alexa/smart_home with the bridge's
 * Home Assistant credential (never the Alexa token) and returns its answer: status, content type
 * and body unchanged, except that Home Assistant refusing the bridge's own credential (401/403)
 * becomes 502, since passing it on would tell Alexa the user's link is broken. Gives up after
 * `smart_home_timeout` seconds (504), whatever part of the exchange hangs. Never throws.
 */
export async function relayDirective(config: Config, directive: Buffer, contentType: string | undefined): Promise<RelayAnswer> {
  const api = homeAssistantApi(config);
  if (!api) return { from: 'bridge', status: 502, error: 'home_assistant_unreachable', description: 'Home Assistant could not be reached', detail: 'no Home Assistant is configured' };
  const timeoutMs = Math.round(config.smartHomeTimeout * 1000);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    const response = await fetch(`${api.baseUrl}${SMART_HOME_PATH}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${api.token}`, 'Content-Type': contentType ?? 'application/json' },
      body: directive,
      signal: abort.signal,
      redirect: 'manual',
    });
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      return { from: 'bridge', status: 502, error: 'home_assistant_refused_bridge', description: "Home Assistant refused the bridge's credential", detail: `Home Assistant answered ${response.status} to the bridge's credential at ${api.via}` };
    }
    const body = response.body ? await readAtMost(response.body, ANSWER_MAX_BYTES) : Buffer.alloc(0);
    if (!body) {
      abort.abort();
      return { from: 'bridge', status: 502, error: 'home_assistant_answer_too_large', description: "Home Assistant's answer is too large", detail: `Home Assistant's answer is over ${ANSWER_MAX_BYTES} bytes` };
    }
    return { from: 'home-assistant', status: response.status, contentType: response.headers.get('content-type') ?? undefined, body };
  } catch (error) {
    if (abort.signal.aborted) {
      return { from: 'bridge', status: 504, error: 'home_assistant_timeout', description: `Home Assistant did not answer within ${config.smartHomeTimeout} s`, detail: `no answer from ${api.via} within ${config.smartHomeTimeout} s (smart_home_timeout)` };
    }
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    return { from: 'bridge', status: 502, error: 'home_assistant_unreachable', description: 'Home Assistant could not be reached', detail: `${api.via} could not be reached: ${cause}` };
  } finally {
    clearTimeout(timer);
  }
}
