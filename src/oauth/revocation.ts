import type { BridgeContext } from '../context.js';
import type { ClientRecord } from '../storage/records.js';
import type { ClientRequestFacts } from './facts.js';
import { findLiveToken } from './introspection.js';

/**
 * RFC 7009 §2.1: a refresh token ends its whole grant; an access token only itself. An unknown
 * token, or one of another client, is not an error (§2.2): the answer is the same 200.
 */
export async function revokeToken(context: BridgeContext, client: ClientRecord, token: string, facts: ClientRequestFacts): Promise<void> {
  const found = findLiveToken(context, token, facts);
  if (!found || found.grant.clientId !== client.id) return;
  const { grant, record, kind } = found;
  if (kind === 'refresh') {
    context.store.grants.put({ ...grant, revokedAt: context.clock(), revokedReason: 'the client revoked its refresh token' });
  } else {
    context.store.grants.put({ ...grant, accessTokens: grant.accessTokens.filter((t) => t.hash !== record.hash) });
  }
  await context.store.commit(context.store.grants);
}
