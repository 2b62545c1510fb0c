import type { BridgeContext } from '../context.js';
import type { ClientRecord } from '../storage/records.js';
import { OAuthError, type FailureReason } from './errors.js';
import type { AuthorizationShape, ClientAuthMethod, ClientRequestFacts } from './facts.js';
import type { OAuthParams } from './params.js';
import { secretMatches } from './secrets.js';

export type { ClientAuthMethod } from './facts.js';

export interface AuthenticatedClient {
  client: ClientRecord;
  method: ClientAuthMethod;
}

const REALM = 'Basic realm="alexa-oauth-bridge", charset="UTF-8"';

/**
 * RFC 6749 §2.3: exactly one way of authenticating; a confidential client proves its secret,
 * a public client only names itself (and must then use PKCE, checked by the grant). What it
 * established (the decoded client id, the method) goes into `facts` before any refusal.
 *
 * @throws OAuthError 401 invalid_client, or 400 invalid_request for two methods at once.
 */
export function authenticateClient(
  context: BridgeContext,
  authorization: string | undefined,
  params: OAuthParams,
  facts: ClientRequestFacts,
): AuthenticatedClient {
  const bodyId = params.get('client_id');
  const bodySecret = params.get('client_secret');
  if (authorization !== undefined) {
    facts.authMethod = 'client_secret_basic';
    if (bodySecret !== undefined) {
      const basic = readBasic(authorization);
      if (basic.credentials) facts.clientId = decodedForm(basic.credentials.id)[0];
      throw new OAuthError('invalid_request', 'use one client authentication method, not HTTP Basic and client_secret together', {
        reason: 'client_auth_conflict',
      });
    }
    return authenticateBasic(context, authorization, bodyId, facts);
  }
  if (!bodyId) {
    throw invalidClient('client authentication is required', 'no Authorization header and no client_id', 'client_auth_missing');
  }
  facts.clientId = bodyId;
  facts.authMethod = bodySecret === undefined ? 'none' : 'client_secret_post';
  if (bodySecret !== undefined) facts.presentedSecret = bodySecret;
  const client = context.store.clients.get(bodyId);
  if (!client) throw invalidClient('client authentication failed', `unknown client_id ${bodyId}`, 'unknown_client');
  if (bodySecret === undefined) {
    if (!client.public) throw invalidClient('client authentication failed', `confidential client ${bodyId} sent no secret`, 'client_secret_missing');
    facts.authenticated = true;
    return { client, method: 'none' };
  }
  if (!clientSecretMatches(context, client, bodySecret)) {
    throw invalidClient('client authentication failed', `wrong client_secret for ${bodyId} (client_secret_post)`, 'wrong_client_secret');
  }
  facts.authenticated = true;
  return { client, method: 'client_secret_post' };
}

function authenticateBasic(context: BridgeContext, header: string, bodyId: string | undefined, facts: ClientRequestFacts): AuthenticatedClient {
  const { credentials, shape } = readBasic(header);
  if (!credentials) {
    facts.authorizationShape = shape;
    throw invalidClient('malformed HTTP Basic credentials', `Authorization header is not Basic base64(id:secret): ${shape}`, 'client_auth_malformed');
  }
  const ids = decodedForm(credentials.id);
  facts.clientId = ids[0];
  facts.presentedSecret = decodedForm(credentials.secret)[0];
  // §2.3.1 says both parts are form-urlencoded first; many clients send them raw, so both readings are tried.
  for (const id of ids) {
    const client = context.store.clients.get(id);
    if (!client) continue;
    facts.clientId = id;
    if (bodyId !== undefined && bodyId !== id) {
      facts.bodyClientId = bodyId;
      throw new OAuthError('invalid_request', 'client_id in the body differs from the HTTP Basic one', { reason: 'client_auth_conflict' });
    }
    const secret = decodedForm(credentials.secret).find((candidate) => clientSecretMatches(context, client, candidate));
    if (secret === undefined) throw invalidClient('client authentication failed', `wrong client secret for ${id} (client_secret_basic)`, 'wrong_client_secret');
    facts.presentedSecret = secret;
    facts.authenticated = true;
    return { client, method: 'client_secret_basic' };
  }
  throw invalidClient('client authentication failed', `unknown client_id ${ids[0]} (client_secret_basic)`, 'unknown_client');
}

/** The client's secret, or during a rotation's overlap its old one (see rotateClientSecret). */
function clientSecretMatches(context: BridgeContext, client: ClientRecord, presented: string): boolean {
  if (client.public || !client.secretHash) return false;
  if (secretMatches(presented, client.secretHash)) return true;
  const previous = client.previousSecret;
  return previous !== undefined && context.clock() < previous.until && secretMatches(presented, previous.hash);
}

/**
 * RFC 7617 §2: `Basic`, one or more spaces, base64 of `id:secret`. What is not that is described
 * by its shape only: the header is a credential.
 */
export function readBasic(header: string): { credentials?: { id: string; secret: string }; shape?: AuthorizationShape } {
  const match = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header);
  if (!match) return { shape: shapeOf(header) };
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { shape: 'no-colon' };
  return { credentials: { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) } };
}

function shapeOf(header: string): AuthorizationShape {
  const trimmed = header.trim();
  if (!/^basic/i.test(trimmed)) return 'other-scheme';
  const rest = trimmed.slice(5);
  if (rest === '') return 'basic-without-value';
  if (/^\t/.test(rest)) return 'basic-with-tab';
  if (!/^\s/.test(rest)) return 'basic-without-space';
  return rest.includes(':') ? 'plain-id-secret' : 'not-base64';
}

/** The value as the §2.3.1 form-urlencoding reads it first, then as sent. */
function decodedForm(value: string): string[] {
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
