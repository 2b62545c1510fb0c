import type { BridgeContext } from '../../context.js';
import type { ClientRecord } from '../../storage/records.js';
import type { OAuthParams } from '../params.js';
import type { TokenResponse } from '../tokens.js';

/** Turns a token request of one grant_type into tokens, for an authenticated client. */
export type GrantHandler = (context: BridgeContext, client: ClientRecord, params: OAuthParams) => Promise<TokenResponse>;
