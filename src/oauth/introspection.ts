import { normalizeUsername } from '../auth/username.js';
import type { BridgeContext } from '../context.js';
import type { ClientRecord, GrantRecord, TokenRecord } from '../storage/records.js';
import type { ClientRequestFacts } from './facts.js';
import { hashSecret } from './secrets.js';

/** RFC 7662 §2.2. */
export type IntrospectionResponse =
  | { active: false }
  | {
      active: true;
      scope: string;
      client_id: string;
      username: string;
      sub: string;
      token_type: 'Bearer' | 'refresh_token';
      exp: number;
      iat: number;
      iss: string;
    };

/**
 * What a live token is: its grant and its record, or nothing for an unknown, expired or revoked
 * one. The grant of a known token goes into `facts` either way.
 */
export function findLiveToken(
  context: BridgeContext,
  token: string,
  facts: ClientRequestFacts,
): { grant: GrantRecord; record: TokenRecord; kind: 'access' | 'refresh' } | undefined {
  const hash = hashSecret(token);
  const found = context.store.findToken(hash);
  if (!found) return undefined;
  const { grant, kind } = found;
  facts.grant = grant;
  facts.tokenKind = kind;
  facts.tokenHash = hash;
  if (kind === 'retired-refresh' || grant.revokedAt) return undefined;
  const record = (kind === 'access' ? grant.accessTokens : grant.refreshTokens).find((t) => t.hash === hash);
  if (!record || record.expiresAt <= context.clock()) return undefined;
  return { grant, record, kind };
}

/** Whether `caller` may learn about tokens issued to `clientId`: its own, or a client it is the backend for. */
export function maySeeTokensOf(caller: ClientRecord, clientId: string): boolean {
  return caller.id === clientId || (caller.backendFor?.includes(clientId) ?? false);
}

/**
 * RFC 7662 §2.2 for an authenticated `caller`. A token it may not see answers exactly like an
 * unknown one, `{"active":false}`, so nobody learns that another client's token exists (§4).
 */
export function introspectToken(context: BridgeContext, caller: ClientRecord, token: string, facts: ClientRequestFacts): IntrospectionResponse {
  const found = findLiveToken(context, token, facts);
  facts.active = found !== undefined && maySeeTokensOf(caller, found.grant.clientId);
  if (!found || !facts.active) return { active: false };
  const { grant, record, kind } = found;
  // Links made before 0.2 may hold the name as typed; the skill's backend sees one user either way.
  const username = normalizeUsername(grant.username);
  return {
    active: true,
    scope: record.scope ?? grant.scope,
    client_id: grant.clientId,
    username,
    sub: username,
    token_type: kind === 'access' ? 'Bearer' : 'refresh_token',
    exp: Math.floor(record.expiresAt / 1000),
    iat: Math.floor(record.issuedAt / 1000),
    iss: context.config.publicUrl,
  };
}
