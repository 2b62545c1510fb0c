import type { Index } from './collection.js';
import type { GrantRecord } from './records.js';

export type TokenKind = 'access' | 'refresh' | 'retired-refresh';

export interface TokenLocation {
  grantId: string;
  kind: TokenKind;
}

/** Token hash → the grant that holds it, so a presented token is found without a scan. */
export class TokenIndex implements Index<GrantRecord> {
  private readonly byHash = new Map<string, TokenLocation>();

  find(hash: string): TokenLocation | undefined {
    return this.byHash.get(hash);
  }

  add(grant: GrantRecord): void {
    for (const [hash, kind] of tokensOf(grant)) this.byHash.set(hash, { grantId: grant.id, kind });
  }

  remove(grant: GrantRecord): void {
    for (const [hash] of tokensOf(grant)) this.byHash.delete(hash);
  }

  clear(): void {
    this.byHash.clear();
  }
}

function* tokensOf(grant: GrantRecord): Generator<[string, TokenKind]> {
  for (const token of grant.accessTokens) yield [token.hash, 'access'];
  for (const token of grant.refreshTokens) yield [token.hash, 'refresh'];
  for (const token of grant.retiredRefreshTokens) yield [token.hash, 'retired-refresh'];
}
