// What the data files hold. Times are milliseconds since the epoch. Secrets, codes and tokens
// are never stored: only their SHA-256 (base64url), see src/oauth/secrets.ts.

export interface ClientRecord {
  id: string;
  name: string;
  /** A public client has no secret and must use PKCE. */
  public: boolean;
  secretHash?: string;
  /** After a rotation with an overlap: the old secret's hash, accepted as well until `until`. */
  previousSecret?: { hash: string; until: number };
  /** Compared byte for byte (RFC 9700 §4.1.3). */
  redirectUris: string[];
  scopes: string[];
  alexaVendorId?: string;
  /**
   * A backend client (the skill's backend: Music Assistant, a Lambda) names the clients it serves:
   * it may introspect their tokens (RFC 7662 §2.1), and has no redirect URIs and no grants.
   */
  backendFor?: string[];
  /** `config` clients are kept in step with the configuration at every start. */
  source: 'cli' | 'config';
  createdAt: number;
  updatedAt: number;
}

export interface UserRecord {
  username: string;
  /** `scrypt$N$r$p$salt$hash`, see src/auth/password.ts. */
  passwordHash: string;
  createdAt: number;
  updatedAt: number;
}

export interface CodeRecord {
  hash: string;
  clientId: string;
  redirectUri: string;
  username: string;
  scope: string;
  /** S256 challenge, when the client sent one (RFC 7636). */
  codeChallenge?: string;
  issuedAt: number;
  expiresAt: number;
  /** Set by the first exchange; a second one revokes `grantId` (RFC 6749 §4.1.2). */
  consumedAt?: number;
  grantId?: string;
  /** The authorization attempt this code came from, so token requests find its flow record. */
  flowId?: string;
}

export interface TokenRecord {
  hash: string;
  issuedAt: number;
  expiresAt: number;
  /** An access token's own scope: a refresh may narrow it below the grant's (RFC 6749 §6). */
  scope?: string;
}

/**
 * A refresh token that may be presented. `seq` orders a grant's refresh tokens: 0 for the one
 * issued with the code, then the grant's `refreshCount` at each rotation.
 */
export interface RefreshTokenRecord extends TokenRecord {
  seq: number;
  /** When it was first presented and honoured (a retry of a lost answer presents it again). */
  usedAt?: number;
}

/**
 * A refresh token that may no longer be presented, kept so that presenting it is recognised.
 * `successor-used`: a later refresh token of the grant was used, so this one is reuse (RFC 9700
 * §4.14.2). `superseded`: dropped unused to keep the grant's live tokens bounded.
 */
export interface RetiredRefreshToken {
  hash: string;
  seq: number;
  issuedAt: number;
  usedAt?: number;
  retiredAt: number;
  why: 'successor-used' | 'superseded';
  /** The later token whose use retired this one (`successor-used`). */
  successorSeq?: number;
}

export interface GrantRecord {
  id: string;
  clientId: string;
  username: string;
  scope: string;
  createdAt: number;
  /** The code this grant came from, so a replay of it can revoke the grant. */
  codeHash: string;
  lastRefreshAt?: number;
  refreshCount: number;
  accessTokens: TokenRecord[];
  /**
   * The refresh tokens that may be presented, oldest first, the newest last; never empty, at most
   * a few (src/oauth/grants/refreshToken.ts). A rotated token stays here until a later one is used.
   */
  refreshTokens: RefreshTokenRecord[];
  /** The last refresh tokens retired, newest first (a bounded list). */
  retiredRefreshTokens: RetiredRefreshToken[];
  revokedAt?: number;
  revokedReason?: string;
  /** The authorization attempt that created this grant (see FlowRecord). */
  flowId?: string;
}

/** When the link ends unless refreshed: the newest refresh token's expiry (the idle lifetime). */
export function linkExpiresAt(grant: GrantRecord): number {
  return grant.refreshTokens.at(-1)!.expiresAt;
}

/** What went wrong, in words an admin can act on: the cause and the fix. Never holds a secret. */
export interface Diagnosis {
  /** Stable name of the failure, e.g. `redirect_uri_not_registered`. */
  reason: string;
  cause: string;
  fix: string;
}

/** The steps of an authorization attempt, in order; see src/diagnostics/steps.ts. */
export type FlowStepKind =
  | 'authorize'
  | 'refused'
  | 'page'
  | 'form-expired'
  | 'sign-in-failed'
  | 'sign-in-blocked'
  | 'sign-in-unavailable'
  | 'signed-in'
  | 'approved'
  | 'denied'
  | 'code-issued'
  | 'save-failed'
  | 'token-failed'
  | 'tokens-issued'
  | 'refreshed'
  | 'introspected'
  | 'directive'
  | 'refresh-failed'
  | 'abandoned';

export interface FlowStep {
  kind: FlowStepKind;
  at: number;
  /** What was seen at this step, e.g. the error code sent; never a secret. */
  note?: string;
  diagnosis?: Diagnosis;
}

/** One authorization attempt, from the authorize request to the tokens' first use (flows.json). */
export interface FlowRecord {
  id: string;
  startedAt: number;
  updatedAt: number;
  clientId?: string;
  redirectUri?: string;
  scope?: string;
  /** Whether the authorize request carried a PKCE code_challenge. */
  pkce?: boolean;
  username?: string;
  grantId?: string;
  steps: FlowStep[];
  /** Steps left out in the middle once a flow had too many (a client retrying without end). */
  stepsDropped?: number;
}
