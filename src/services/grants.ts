import type { BridgeContext } from '../context.js';
import { linkExpiresAt, type GrantRecord } from '../storage/records.js';
import { CommandFailure } from './failure.js';

export interface GrantView {
  grant_id: string;
  client_id: string;
  username: string;
  scope: string;
  linked_at: string;
  last_refresh_at: string | null;
  refresh_count: number;
  refresh_token_expires_at: string;
  status: 'active' | 'expired' | 'revoked';
  revoked_reason?: string;
}

export function grantStatus(grant: GrantRecord, now: number): GrantView['status'] {
  if (grant.revokedAt) return 'revoked';
  return linkExpiresAt(grant) <= now ? 'expired' : 'active';
}

export function listGrants(context: BridgeContext): GrantView[] {
  const now = context.clock();
  return [...context.store.grants.values()]
    .sort((a, b) => a.createdAt - b.createdAt)
    .map((grant) => ({
      grant_id: grant.id,
      client_id: grant.clientId,
      username: grant.username,
      scope: grant.scope,
      linked_at: new Date(grant.createdAt).toISOString(),
      last_refresh_at: grant.lastRefreshAt ? new Date(grant.lastRefreshAt).toISOString() : null,
      refresh_count: grant.refreshCount,
      refresh_token_expires_at: new Date(linkExpiresAt(grant)).toISOString(),
      status: grantStatus(grant, now),
      ...(grant.revokedReason ? { revoked_reason: grant.revokedReason } : {}),
    }));
}

/** Ends a linked account: its access and refresh tokens stop working at once. */
export async function revokeGrant(context: BridgeContext, grantId: string, reason: string): Promise<{ revoked: string }> {
  const grant = context.store.grants.get(grantId);
  if (!grant) throw new CommandFailure(`no grant ${grantId}`);
  if (grant.revokedAt) throw new CommandFailure(`grant ${grantId} is already revoked (${grant.revokedReason ?? 'no reason'})`);
  context.store.grants.put({ ...grant, revokedAt: context.clock(), revokedReason: reason });
  await context.store.commit(context.store.grants);
  return { revoked: grantId };
}

/** Revokes every live grant that `matches`; the caller commits the grants file. */
export function revokeGrantsWhere(context: BridgeContext, matches: (grant: GrantRecord) => boolean, reason: string): number {
  const now = context.clock();
  let revoked = 0;
  for (const grant of context.store.grants.values()) {
    if (!grant.revokedAt && matches(grant)) {
      context.store.grants.put({ ...grant, revokedAt: now, revokedReason: reason });
      revoked++;
    }
  }
  return revoked;
}
