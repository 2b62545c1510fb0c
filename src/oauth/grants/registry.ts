import type { BridgeContext } from '../../context.js';
import type { ClientRequestFacts, SupportedGrantType } from '../facts.js';
import type { OAuthParams } from '../params.js';
import { hashSecret } from '../secrets.js';
import { exchangeAuthorizationCode } from './authorizationCode.js';
import type { GrantHandler } from './grantType.js';
import { refreshAccessToken } from './refreshToken.js';

export const grantHandlers: Readonly<Record<SupportedGrantType, GrantHandler>> = {
  authorization_code: exchangeAuthorizationCode,
  refresh_token: refreshAccessToken,
};

export function isSupportedGrantType(grantType: string): grantType is SupportedGrantType {
  return Object.hasOwn(grantHandlers, grantType);
}

/**
 * Notes in `facts` the code or the refresh token's grant a token request presents, as they are
 * now; a lookup only, which decides nothing (the grant handler checks them after client
 * authentication).
 */
export function locatePresentedGrant(context: BridgeContext, grantType: SupportedGrantType, params: OAuthParams, facts: ClientRequestFacts): void {
  if (grantType === 'authorization_code') {
    const code = params.get('code');
    const record = code ? context.store.codes.get(hashSecret(code)) : undefined;
    if (record) facts.code = record;
    return;
  }
  const token = params.get('refresh_token');
  const hash = token ? hashSecret(token) : undefined;
  const found = hash ? context.store.findToken(hash) : undefined;
  if (found && found.kind !== 'access') {
    facts.grant = found.grant;
    facts.tokenKind = found.kind;
    facts.tokenHash = hash!;
  }
}
