import { SignInAttempts, type SignInAttemptResult } from '../auth/signInAttempts.js';
import type { BridgeContext } from '../context.js';
import type { AuthorizeRequest } from '../oauth/authorizeRequest.js';
import { issueCode } from '../oauth/codes.js';
import { StorageWriteError } from '../storage/store.js';
import { SignInGuard } from '../throttling/signInGuard.js';

/** What the person's "Allow" came to: a code, or why there is none. */
export type ApprovalResult =
  | Exclude<SignInAttemptResult, { outcome: 'ok' }>
  /** Signed in and allowed; `username` is the person's identity (normalized). */
  | { outcome: 'issued'; code: string; username: string }
  /** Signed in and allowed, but the code could not be made durable (RFC 6749 §4.1.2 wants it kept). */
  | { outcome: 'save-failed'; username: string; detail: string };

/**
 * The consent step of the authorization endpoint (RFC 6749 §4.1.1-4.1.2): sign-in under the
 * sign-in limits, then the one-time code, on disk before it is handed out. Knows nothing of HTTP.
 */
export class Authorizations {
  private readonly signIns: SignInAttempts;

  constructor(context: Pick<BridgeContext, 'config'>) {
    this.signIns = new SignInAttempts(new SignInGuard(context.config));
  }

  /**
   * `address` is the person's address as the limits key it; `attemptId` ties the code to its
   * linking attempt for the diagnostics; `signal` aborts when the person is gone (their sign-in
   * then leaves the password-check queue unchecked).
   */
  async approve(
    context: BridgeContext,
    request: AuthorizeRequest,
    credentials: { username: string; password: string },
    address: string,
    attemptId: string | undefined,
    signal?: AbortSignal,
  ): Promise<ApprovalResult> {
    const signedIn = await this.signIns.attempt(context, credentials.username, credentials.password, address, signal);
    if (signedIn.outcome !== 'ok') return signedIn;
    try {
      return { outcome: 'issued', code: await issueCode(context, request, signedIn.username, attemptId), username: signedIn.username };
    } catch (error) {
      if (!(error instanceof StorageWriteError)) throw error;
      return { outcome: 'save-failed', username: signedIn.username, detail: error.message };
    }
  }
}
