import type { Middleware } from 'koa';
import helmet from 'koa-helmet';

/**
 * helmet's defaults, minus what breaks this server: HSTS and upgrade-insecure-requests break
 * plain-HTTP LAN use (TLS is nginx's job), and the consent page sets its own CSP without
 * `form-action`, which Chromium would apply to Amazon's redirect chain after the form post.
 */
export const securityHeaders: Middleware = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
  },
  strictTransportSecurity: false,
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
  crossOriginResourcePolicy: { policy: 'same-origin' },
});
