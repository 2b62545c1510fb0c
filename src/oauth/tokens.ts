import type { Config } from '../config/schema.js';
import type { GrantRecord, RefreshTokenRecord, TokenRecord } from '../storage/records.js';
import { hashSecret, newOpaqueToken } from './secrets.js';

/** RFC 6749 §5.1. Alexa fails to link without `expires_in`. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  scope: string;
}

export interface MintedTokens {
  response: TokenResponse;
  access: TokenRecord;
  refresh: RefreshTokenRecord;
}

/** A fresh access + refresh pair; only their hashes are kept. `seq` orders the grant's refresh tokens. */
export function mintTokens(config: Config, now: number, scope: string, seq: number): MintedTokens {
  const accessToken = newOpaqueToken();
  const refreshToken = newOpaqueToken();
  return {
    response: {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: config.accessTokenTtl,
      refresh_token: refreshToken,
      scope,
    },
    access: { hash: hashSecret(accessToken), issuedAt: now, expiresAt: now + config.accessTokenTtl * 1000, scope },
    refresh: { hash: hashSecret(refreshToken), issuedAt: now, expiresAt: now + config.refreshTokenTtl * 1000, seq },
  };
}

/** How many access tokens of one grant stay valid at once: a request in flight with the previous one still works. */
const ACCESS_TOKENS_KEPT = 3;

/** The grant's access tokens after adding `added`: expired ones are dropped, and the oldest beyond the cap. */
export function keptAccessTokens(grant: GrantRecord, added: TokenRecord, now: number): TokenRecord[] {
  return [...grant.accessTokens.filter((token) => token.expiresAt > now), added].slice(-ACCESS_TOKENS_KEPT);
}
