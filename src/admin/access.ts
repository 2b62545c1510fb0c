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
  /** The peer is Home Assistant's ingress proxy, which signed the person in itself. */
  fromIngress: boolean;
  /** The admin session cookie's value, when it names a live session (never through ingress). */
  session: string | undefined;
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
  ctx.state.fromIngress = fromIngress;
  ctx.state.session = undefined;
  await next();
};

/** Whom a form token and a one-time reveal are bound to: the ingress user, or the admin session. */
export function viewerOf(state: AdminAccessState): string {
  return state.fromIngress ? `ingress:${state.user ?? ''}` : `session:${state.session ?? ''}`;
}

/**
 * The names this machine's browser may call the listener by (RFC 9110 §7.2): loopback ones and
 * the configured listen address, each with the port the request came in on. Any other `Host`,
 * as a DNS-rebinding page would send (its own name resolving to 127.0.0.1), gets 421 (§15.5.20).
 * Requests from the ingress proxy are exempt: the Supervisor names the add-on as it likes, and
 * no browser reaches this listener through it without Home Assistant's own sign-in.
 */
export function checkHost(listenHost: string): Middleware<AdminAccessState> {
  const names = new Set(['localhost', '127.0.0.1', '[::1]']);
  if (listenHost !== '0.0.0.0' && listenHost !== '::') names.add(listenHost.includes(':') ? `[${listenHost}]` : listenHost.toLowerCase());
  return async (ctx, next) => {
    if (!ctx.state.fromIngress && !hostAllowed(ctx.get('host'), names, ctx.req.socket.localPort)) {
      ctx.status = 421;
      ctx.type = 'text';
      ctx.body = 'The admin page answers only to this machine\'s own names (localhost, 127.0.0.1, [::1]).\n';
      return;
    }
    await next();
  };
}

function hostAllowed(host: string, names: ReadonlySet<string>, port: number | undefined): boolean {
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(host);
  if (!match) return false;
  const [, name, hostPort] = match;
  return names.has(name!.toLowerCase()) && Number(hostPort ?? 80) === port;
}
