import { createHmac, randomBytes } from 'node:crypto';
import { constantTimeEqual } from '../oauth/secrets.js';

/**
 * Double-submit CSRF protection for the consent form: a random cookie, and a hidden field that
 * is its HMAC under a key only this process knows. A form posted from elsewhere has neither.
 */
export class CsrfGuard {
  static readonly COOKIE = 'bridge_csrf';
  private readonly key = randomBytes(32);

  newCookieValue(): string {
    return randomBytes(24).toString('base64url');
  }

  /**
   * Built by hand: the `cookies` package refuses a Secure cookie when the daemon itself speaks
   * plain HTTP, which it always does behind a TLS-terminating proxy.
   */
  setCookieHeader(value: string, secure: boolean): string {
    return `${CsrfGuard.COOKIE}=${value}; Path=/alexa/authorize; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  }

  tokenFor(cookieValue: string): string {
    return createHmac('sha256', this.key).update(cookieValue).digest('base64url');
  }

  isValid(cookieValue: string | undefined, token: string | undefined): boolean {
    return Boolean(cookieValue && token) && constantTimeEqual(this.tokenFor(cookieValue!), token!);
  }
}
