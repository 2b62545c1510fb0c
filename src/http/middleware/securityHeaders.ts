import type { Middleware } from 'koa';
import helmet from 'koa-helmet';

/**
 * For HTML pages: helmet's defaults, minus what breaks this server: HSTS and
 * upgrade-insecure-requests break plain-HTTP LAN use (TLS is nginx's job), and the consent page
 * sets its own CSP without `form-action`, which Chromium would apply to Amazon's redirect chain
 * after the form post.
 */
export const pageSecurityHeaders: Middleware = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
  },
  strictTransportSecurity: false,
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
  crossOriginResourcePolicy: { policy: 'same-origin' },
});

/**
 * What a JSON answer needs (OWASP REST Security Cheat Sheet, "Security headers"): not sniffed
 * into HTML, nothing runs or frames it if a browser opens it, and other origins cannot embed it.
 * helmet's other headers (COOP, Origin-Agent-Cluster, Referrer-Policy, X-DNS-Prefetch-Control,
 * X-Download-Options, X-Permitted-Cross-Domain-Policies, X-XSS-Protection) steer how a browser
 * treats a document and its links; a JSON answer has neither. Caching is the endpoints' own
 * business (RFC 6749 §5.1: `no-store` where tokens travel).
 */
const API_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
};

/** On every answer of the public listener; page routes add `pageSecurityHeaders` over them. */
export const apiSecurityHeaders: Middleware = async (ctx, next) => {
  for (const name in API_HEADERS) ctx.set(name, API_HEADERS[name]!);
  await next();
};
