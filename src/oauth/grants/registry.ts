import { exchangeAuthorizationCode } from './authorizationCode.js';
import type { GrantHandler } from './grantType.js';
import { refreshAccessToken } from './refreshToken.js';

/** The grant types the token endpoint serves, keyed by `grant_type`; anything else is unsupported. */
export const grantHandlers: ReadonlyMap<string, GrantHandler> = new Map([
  ['authorization_code', exchangeAuthorizationCode],
  ['refresh_token', refreshAccessToken],
]);
