import { createHmac, randomBytes } from 'node:crypto';
import { constantTimeEqual } from '../oauth/secrets.js';

/**
 * Double-submit CSRF protection for the consent form: a random cookie, and a hidden field that
 * is its HMAC under a key only this process knows. A form posted from elsewhere has neither.
 */
export class CsrfGuard {
  /** The cookie's name: `__Host-bridge_csrf` when the issuer is https, else `bridge_csrf`. */
  readonly cookieName: string;
  private readonly attributes: string;
  private readonly key = randomBytes(32);

  /**
   * `publicUrl`: the issuer, where the form posts. With https the cookie takes the `__Host-`
   * prefix (RFC 6265bis §4.1.3.2): browsers accept it only with Secure, `Path=/` and no Domain,
   * so neither plain-http traffic nor a sibling subdomain can plant or overwrite it. Over http
   * (trying things out) its path is the form's, public URL path included, or the browser would
   * not send it back to `<public URL>/alexa/authorize` behind a proxy that strips a prefix.
   */
  constructor(publicUrl: string) {
    const url = new URL(publicUrl);
    const secure = url.protocol === 'https:';
    this.cookieName = secure ? '__Host-bridge_csrf' : 'bridge_csrf';
    const path = secure ? '/' : `${url.pathname.replace(/\/+$/, '')}/alexa/authorize`;
    this.attributes = `Path=${path}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  }

  newCookieValue(): string {
    return randomBytes(24).toString('base64url');
  }

  /**
   * Built by hand: the `cookies` package refuses a Secure cookie when the daemon itself speaks
   * plain HTTP, which it always does behind a TLS-terminating proxy.
   */
  setCookieHeader(value: string): string {
    return `${this.cookieName}=${value}; ${this.attributes}`;
  }

  tokenFor(cookieValue: string): string {
    return createHmac('sha256', this.key).update(cookieValue).digest('base64url');
  }

  isValid(cookieValue: string | undefined, token: string | undefined): boolean {
    return Boolean(cookieValue && token) && constantTimeEqual(this.tokenFor(cookieValue!), token!);
  }
}
