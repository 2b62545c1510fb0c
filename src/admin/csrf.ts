import { createHmac, randomBytes } from 'node:crypto';
import { constantTimeEqual } from '../oauth/secrets.js';

/** How long an admin page's forms stay usable. */
const TOKEN_LIFETIME_MS = 12 * 3600_000;
/** Spent tokens remembered at most; past it the oldest is forgotten (it expires within 12 h anyway). */
const MAX_SPENT = 10_000;

/**
 * CSRF tokens for the admin page's forms: the time of issue, a nonce, and an HMAC of both and
 * the viewer under a key only this process knows. Cookie-free, because the ingress proxy sits
 * between the browser and this listener and the page must work without JavaScript. A token
 * is spent by the post it protects: a reload that re-posts a form is refused.
 */
export class AdminCsrf {
  private readonly key = randomBytes(32);
  /** Spent token → when it would have expired. */
  private readonly spent = new Map<string, number>();

  constructor(private readonly clock: () => number) {}

  issue(viewer: string | undefined): string {
    const issued = `${this.clock().toString(36)}.${randomBytes(9).toString('base64url')}`;
    return `${issued}.${this.sign(viewer, issued)}`;
  }

  isValid(viewer: string | undefined, token: string | undefined): boolean {
    const parts = (token ?? '').split('.');
    if (parts.length !== 3 || parts.some((part) => part === '')) return false;
    const [time, nonce, signature] = parts as [string, string, string];
    const age = this.clock() - Number.parseInt(time, 36);
    return age >= 0 && age <= TOKEN_LIFETIME_MS && constantTimeEqual(signature, this.sign(viewer, `${time}.${nonce}`)) && !this.spent.has(token!);
  }

  /** Checks the token and spends it: true once, false for an invalid or already spent one. */
  spend(viewer: string | undefined, token: string | undefined): boolean {
    if (!this.isValid(viewer, token)) return false;
    const now = this.clock();
    for (const [old, until] of this.spent) if (until <= now) this.spent.delete(old);
    while (this.spent.size >= MAX_SPENT) this.spent.delete(this.spent.keys().next().value!);
    this.spent.set(token!, Number.parseInt(token!.split('.')[0]!, 36) + TOKEN_LIFETIME_MS);
    return true;
  }

  private sign(viewer: string | undefined, issued: string): string {
    return createHmac('sha256', this.key).update(`${viewer ?? ''}\n${issued}`).digest('base64url');
  }
}
