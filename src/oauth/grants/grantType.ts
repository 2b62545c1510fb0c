import type { BridgeContext } from '../../context.js';
import type { ClientRecord } from '../../storage/records.js';
import type { ClientRequestFacts } from '../facts.js';
import type { OAuthParams } from '../params.js';
import type { TokenResponse } from '../tokens.js';

/**
 * Turns a token request of one grant_type into tokens, for an authenticated client, and notes in
 * `facts` the records it looked at and the parameters it checked.
 */
export type GrantHandler = (context: BridgeContext, client: ClientRecord, params: OAuthParams, facts: ClientRequestFacts) => Promise<TokenResponse>;
