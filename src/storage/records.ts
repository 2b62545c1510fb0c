// What the data files hold. Times are milliseconds since the epoch. Secrets, codes and tokens
// are never stored: only their SHA-256 (base64url), see src/oauth/secrets.ts.

export interface ClientRecord {
  id: string;
  name: string;
  /** A public client has no secret and must use PKCE. */
  public: boolean;
  secretHash?: string;
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

export interface RetiredRefreshToken {
  hash: string;
  rotatedAt: number;
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
  refreshToken: TokenRecord;
  /** Recently rotated refresh tokens: a retry within the grace is honoured, a later reuse revokes the grant. */
  retiredRefreshTokens: RetiredRefreshToken[];
  revokedAt?: number;
  revokedReason?: string;
  /** The authorization attempt that created this grant (see FlowRecord). */
  flowId?: string;
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
