import { createHmac, randomBytes } from 'node:crypto';
import { constantTimeEqual } from '../oauth/secrets.js';

/** How long an admin page's forms stay usable. */
const TOKEN_LIFETIME_MS = 12 * 3600_000;

/**
 * CSRF tokens for the admin page's forms: the time of issue and an HMAC of it and the viewer
 * under a key only this process knows. Stateless and cookie-free, because the ingress proxy
 * sits between the browser and this listener and the page must work without JavaScript.
 */
export class AdminCsrf {
  private readonly key = randomBytes(32);

  constructor(private readonly clock: () => number) {}

  issue(viewer: string | undefined): string {
    const issued = this.clock().toString(36);
    return `${issued}.${this.sign(viewer, issued)}`;
  }

  isValid(viewer: string | undefined, token: string | undefined): boolean {
    const [issued, signature] = (token ?? '').split('.');
    if (!issued || !signature) return false;
    const age = this.clock() - Number.parseInt(issued, 36);
    return age >= 0 && age <= TOKEN_LIFETIME_MS && constantTimeEqual(signature, this.sign(viewer, issued));
  }

  private sign(viewer: string | undefined, issued: string): string {
    return createHmac('sha256', this.key).update(`${viewer ?? ''}\n${issued}`).digest('base64url');
  }
}
