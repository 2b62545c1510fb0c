import type { BridgeContext } from '../context.js';
import type { ClientRecord } from '../storage/records.js';
import { OAuthError, type FailureReason } from './errors.js';
import type { OAuthParams } from './params.js';
import { secretMatches } from './secrets.js';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'none';

export interface AuthenticatedClient {
  client: ClientRecord;
  method: ClientAuthMethod;
}

const REALM = 'Basic realm="alexa-oauth-bridge", charset="UTF-8"';

/**
 * RFC 6749 §2.3: exactly one way of authenticating; a confidential client proves its secret,
 * a public client only names itself (and must then use PKCE, checked by the grant).
 */
export function authenticateClient(
  context: BridgeContext,
  authorization: string | undefined,
  params: OAuthParams,
): AuthenticatedClient {
  const bodyId = params.get('client_id');
  const bodySecret = params.get('client_secret');
  if (authorization !== undefined) {
    if (bodySecret !== undefined) {
      throw new OAuthError('invalid_request', 'use one client authentication method, not HTTP Basic and client_secret together', {
        reason: 'client_auth_conflict',
      });
    }
    return authenticateBasic(context, authorization, bodyId);
  }
  if (!bodyId) {
    throw invalidClient('client authentication is required', 'no Authorization header and no client_id', 'client_auth_missing');
  }
  const client = context.store.clients.get(bodyId);
  if (!client) throw invalidClient('client authentication failed', `unknown client_id ${bodyId}`, 'unknown_client');
  if (bodySecret === undefined) {
    if (!client.public) throw invalidClient('client authentication failed', `confidential client ${bodyId} sent no secret`, 'client_secret_missing');
    return { client, method: 'none' };
  }
  if (!clientSecretMatches(context, client, bodySecret)) {
    throw invalidClient('client authentication failed', `wrong client_secret for ${bodyId} (client_secret_post)`, 'wrong_client_secret');
  }
  return { client, method: 'client_secret_post' };
}

function authenticateBasic(context: BridgeContext, header: string, bodyId: string | undefined): AuthenticatedClient {
  const credentials = parseBasic(header);
  if (!credentials) {
    throw invalidClient('malformed HTTP Basic credentials', 'Authorization header is not Basic base64(id:secret)', 'client_auth_malformed');
  }
  // §2.3.1 says both parts are form-urlencoded first; many clients send them raw, so both readings are tried.
  for (const id of readings(credentials.id)) {
    const client = context.store.clients.get(id);
    if (!client) continue;
    if (bodyId !== undefined && bodyId !== id) {
      throw new OAuthError('invalid_request', 'client_id in the body differs from the HTTP Basic one', { reason: 'client_auth_conflict' });
    }
    const matches = readings(credentials.secret).some((secret) => clientSecretMatches(context, client, secret));
    if (!matches) throw invalidClient('client authentication failed', `wrong client secret for ${id} (client_secret_basic)`, 'wrong_client_secret');
    return { client, method: 'client_secret_basic' };
  }
  throw invalidClient('client authentication failed', `unknown client_id ${credentials.id} (client_secret_basic)`, 'unknown_client');
}

/** The client's secret, or during a rotation's overlap its old one (see rotateClientSecret). */
function clientSecretMatches(context: BridgeContext, client: ClientRecord, presented: string): boolean {
  if (client.public || !client.secretHash) return false;
  if (secretMatches(presented, client.secretHash)) return true;
  const previous = client.previousSecret;
  return previous !== undefined && context.clock() < previous.until && secretMatches(presented, previous.hash);
}

export function parseBasic(header: string): { id: string; secret: string } | undefined {
  const match = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

/** The value as the §2.3.1 form-urlencoding reads it, and as sent. */
function readings(value: string): string[] {
  let decoded: string;
  try {
    decoded = decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return [value];
  }
  return decoded === value ? [value] : [decoded, value];
}

/** RFC 6749 §5.2: 401 with a challenge for the scheme the server accepts. */
function invalidClient(description: string, detail: string, reason: FailureReason): OAuthError {
  return new OAuthError('invalid_client', description, { status: 401, detail, reason, headers: { 'WWW-Authenticate': REALM } });
}
