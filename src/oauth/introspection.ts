import type { BridgeContext } from '../context.js';
import type { GrantRecord, TokenRecord } from '../storage/records.js';
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
  if (kind === 'retired-refresh' || grant.revokedAt) return undefined;
  const record = kind === 'access' ? grant.accessTokens.find((t) => t.hash === hash) : grant.refreshToken;
  if (!record || record.expiresAt <= context.clock()) return undefined;
  return { grant, record, kind };
}

/** RFC 7662 §2.2: the token's metadata, or only `active: false`. */
export function introspectToken(context: BridgeContext, token: string, facts: ClientRequestFacts): IntrospectionResponse {
  const found = findLiveToken(context, token, facts);
  facts.active = found !== undefined;
  if (!found) return { active: false };
  const { grant, record, kind } = found;
  return {
    active: true,
    scope: record.scope ?? grant.scope,
    client_id: grant.clientId,
    username: grant.username,
    sub: grant.username,
    token_type: kind === 'access' ? 'Bearer' : 'refresh_token',
    exp: Math.floor(record.expiresAt / 1000),
    iat: Math.floor(record.issuedAt / 1000),
    iss: context.config.publicUrl,
  };
}
