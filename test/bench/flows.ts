// A small keep-alive HTTP client and the OAuth flows the scenarios drive with it. It is
// written against the wire contract only, so the same code drives the bridge and the peer.
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Credentials } from './servers.ts';

// One pool for the whole run: reusing connections keeps TCP set-up out of the figures.
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const REQUEST_TIMEOUT_MS = 15_000;

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** The server closed a kept-alive socket just as it was reused; the request never reached it. */
class StaleSocket extends Error {}

function send(url: string, options: RequestOptions): Promise<Reply> {
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  const headers = { ...options.headers, ...(body ? { 'content-length': String(body.length) } : {}) };
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`timeout after ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', (error: NodeJS.ErrnoException) =>
      reject(req.reusedSocket && error.code === 'ECONNRESET' ? new StaleSocket(error.message) : error),
    );
    req.end(body);
  });
}

/**
 * One request. A kept-alive socket the server closed for idleness (keepAliveTimeout) just as it
 * was reused fails with ECONNRESET before the server saw anything; like a browser, that request
 * is sent once more on a new socket (Node's docs, `request.reusedSocket`).
 */
export async function request(url: string, options: RequestOptions = {}): Promise<Reply> {
  try {
    return await send(url, options);
  } catch (error) {
    if (error instanceof StaleSocket) return send(url, options);
    throw error;
  }
}

/** Closes the pool's sockets; called when a server stops, between phases, with none in use. */
export function closeIdleConnections(): void {
  agent.destroy();
}

/** The client and account the flows use on one authorization server. */
export interface OAuthTarget extends Credentials {
  authorizeUrl: string;
  tokenUrl: string;
  introspectUrl: string;
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
}

export type ClientCredentials = Pick<OAuthTarget, 'clientId' | 'clientSecret'>;

/** RFC 6749 §2.3.1: id and secret are form-urlencoded before they are joined and encoded. */
export function basicAuth(client: ClientCredentials): string {
  const pair = `${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`;
  return `Basic ${Buffer.from(pair).toString('base64')}`;
}

export function clientPost(target: OAuthTarget, url: string, fields: Record<string, string>): Promise<Reply> {
  return request(url, {
    method: 'POST',
    headers: { authorization: basicAuth(target), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
}

/** A failed step, with the little of the reply that tells why. */
class FlowError extends Error {
  constructor(step: string, reply: Reply) {
    super(`${step}: HTTP ${reply.status} ${reply.body.replace(/\s+/g, ' ').slice(0, 160)}`);
  }
}

/** Cookies of one simulated browser; every flow starts with an empty one, as a fresh web view would. */
class CookieJar {
  readonly #cookies = new Map<string, string>();

  absorb(reply: Reply): void {
    for (const line of reply.headers['set-cookie'] ?? []) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  header(): Record<string, string> {
    if (this.#cookies.size === 0) return {};
    return { cookie: [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ') };
  }
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function htmlUnescape(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const hex = ref[1] === 'x' || ref[1] === 'X';
      return String.fromCodePoint(Number.parseInt(ref.slice(hex ? 2 : 1), hex ? 16 : 10));
    }
    return ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

function attributes(tag: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of tag.matchAll(/([a-zA-Z_:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/g)) {
    found.set(match[1]!.toLowerCase(), htmlUnescape(match[2] ?? match[3] ?? match[4] ?? ''));
  }
  return found;
}

/** The sign-in form of a page: where it posts and every hidden input it carries. */
function parseForm(html: string, pageUrl: string): { action: string; fields: Record<string, string> } {
  const form = /<form\b[^>]*>/i.exec(html);
  if (!form) throw new Error(`no <form> on ${pageUrl}`);
  // An absent action posts back to the page's own URL (HTML form submission rules).
  const action = new URL(attributes(form[0]).get('action') ?? '', pageUrl).toString();
  const fields: Record<string, string> = {};
  for (const [tag] of html.matchAll(/<input\b[^>]*>/gi)) {
    const attrs = attributes(tag);
    const name = attrs.get('name');
    if (attrs.get('type')?.toLowerCase() === 'hidden' && name) fields[name] = attrs.get('value') ?? '';
  }
  return { action, fields };
}

const MAX_REDIRECTS = 5;

/** Follows same-server redirects until the page or the client's redirect_uri is reached. */
async function follow(target: OAuthTarget, jar: CookieJar, first: Reply, from: string): Promise<{ reply: Reply; url: string }> {
  let reply = first;
  let url = from;
  for (let hop = 0; hop < MAX_REDIRECTS && reply.status >= 300 && reply.status < 400; hop += 1) {
    const next = new URL(reply.headers.location ?? '', url).toString();
    if (next.startsWith(target.redirectUri)) return { reply, url: next };
    url = next;
    reply = await request(url, { headers: jar.header() });
    jar.absorb(reply);
  }
  return { reply, url };
}

/** Browser part of account linking: consent page, sign-in post, redirects; returns the code. */
export async function authorize(target: OAuthTarget): Promise<string> {
  const jar = new CookieJar();
  const state = randomBytes(12).toString('base64url');
  const query = new URLSearchParams({
    client_id: target.clientId,
    response_type: 'code',
    redirect_uri: target.redirectUri,
    state,
    scope: target.scope,
  });
  const start = `${target.authorizeUrl}?${query}`;
  const first = await request(start, { headers: jar.header() });
  jar.absorb(first);
  const page = await follow(target, jar, first, start);
  if (page.reply.status !== 200) throw new FlowError('authorize page', page.reply);

  const form = parseForm(page.reply.body, page.url);
  const fields = { ...form.fields, username: target.username, password: target.password, decision: 'approve' };
  const posted = await request(form.action, {
    method: 'POST',
    headers: { ...jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  jar.absorb(posted);
  const done = await follow(target, jar, posted, form.action);
  if (!done.url.startsWith(target.redirectUri)) throw new FlowError('sign-in post', done.reply);

  const params = new URL(done.url).searchParams;
  const code = params.get('code');
  if (!code || params.get('state') !== state) throw new FlowError(`redirect ${done.url.slice(0, 120)}`, done.reply);
  return code;
}

async function tokenRequest(target: OAuthTarget, step: string, fields: Record<string, string>): Promise<Tokens> {
  const reply = await clientPost(target, target.tokenUrl, fields);
  if (reply.status !== 200) throw new FlowError(step, reply);
  const tokens = JSON.parse(reply.body) as Partial<Tokens>;
  if (!tokens.access_token || !tokens.refresh_token) throw new FlowError(`${step} (no tokens)`, reply);
  return tokens as Tokens;
}

export function exchangeCode(target: OAuthTarget, code: string): Promise<Tokens> {
  return tokenRequest(target, 'code exchange', {
    grant_type: 'authorization_code',
    code,
    redirect_uri: target.redirectUri,
  });
}

export function refresh(target: OAuthTarget, refreshToken: string): Promise<Tokens> {
  return tokenRequest(target, 'refresh', { grant_type: 'refresh_token', refresh_token: refreshToken });
}

/** The whole account linking: page → form post → redirect → token. */
export async function linkAccount(target: OAuthTarget): Promise<Tokens> {
  return exchangeCode(target, await authorize(target));
}
