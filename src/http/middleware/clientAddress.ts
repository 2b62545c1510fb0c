import type { Middleware } from 'koa';
import { TrustedProxies } from '../../net/addresses.js';

/**
 * Sets `ctx.ip` to the client's address: the socket peer, or, when that peer is a trusted proxy
 * (`trust_proxy`), the first untrusted address of X-Forwarded-For read from the right. Koa's own
 * `proxy` option believes the header from any peer, so it stays off. X-Forwarded-Proto is never
 * needed: every URL is built from the public URL.
 */
export function clientAddress(trustProxy: readonly string[]): Middleware {
  const proxies = new TrustedProxies(trustProxy);
  return async (ctx, next) => {
    ctx.request.ip = proxies.clientAddress(ctx.req.socket.remoteAddress ?? '', ctx.get('x-forwarded-for') || undefined);
    await next();
  };
}
