import type { Middleware } from 'koa';

/** The Home Assistant Supervisor's ingress proxy, the one address besides loopback that may use the admin page. */
export const INGRESS_PROXY = '172.30.32.2';

/** An IPv4-mapped IPv6 address (::ffff:a.b.c.d) as plain IPv4. */
function plain(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

function isLoopback(address: string): boolean {
  return address === '::1' || /^127\.\d+\.\d+\.\d+$/.test(address);
}

/** Who asks, and under which path Home Assistant shows the page. */
export interface AdminAccessState {
  /** X-Ingress-Path, when well-formed: every link and form goes under it. */
  base: string;
  /** X-Remote-User-Name, believed only from the ingress proxy. */
  user: string | undefined;
}

// /api/hassio_ingress/<token> in practice; any plain path is accepted, nothing that could leave it.
const INGRESS_PATH = /^(\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)+$/;

/**
 * Lets in only the ingress proxy and loopback, judged by the socket's peer address (never by a
 * header, which anyone can send); everyone else gets 403 and nothing more.
 */
export const admitIngressAndLoopback: Middleware<AdminAccessState> = async (ctx, next) => {
  const peer = plain(ctx.req.socket.remoteAddress ?? '');
  const fromIngress = peer === INGRESS_PROXY;
  if (!fromIngress && !isLoopback(peer)) {
    ctx.status = 403;
    ctx.type = 'text';
    ctx.body = 'The admin page answers only Home Assistant ingress and this machine.\n';
    return;
  }
  const ingressPath = ctx.get('x-ingress-path').replace(/\/+$/, '');
  ctx.state.base = INGRESS_PATH.test(ingressPath) && !ingressPath.split('/').includes('..') ? ingressPath : '';
  const user = fromIngress ? ctx.get('x-remote-user-display-name') || ctx.get('x-remote-user-name') : '';
  ctx.state.user = user || undefined;
  await next();
};
