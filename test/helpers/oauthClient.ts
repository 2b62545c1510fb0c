// The one OAuth test client: what Alexa and the person's browser do, over any transport (node:http
// to an in-process bridge or a daemon process, HTTPS through nginx). Requests go out byte for
// byte as given.
import { request as httpRequest, Agent, type ClientRequest, type IncomingHttpHeaders } from 'node:http';
import { CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME } from './bridge.ts';

// ---------------------------------------------------------------------------------------------
// Raw HTTP: exact bytes of path, headers and body, no client-side normalization.

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RawRequest {
  method?: string;
  /** Sent as is, e.g. `/alexa/%E0%A4%A`. */
  path: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  agent?: Agent | false;
  timeoutMs?: number;
}

/** One request over node:http; rejects on a socket error or when no answer comes within the timeout. */
export function rawRequest(base: string, request: RawRequest): Promise<RawResponse> {
  const url = new URL(base);
  return settleRaw(
    httpRequest({
      host: url.hostname,
      port: url.port,
      method: request.method ?? 'GET',
      path: request.path,
      headers: request.headers ?? {},
      agent: request.agent ?? false,
      // Let invalid header values through: the point is to see what the server does with them.
      insecureHTTPParser: true,
      // A redirect may echo a long state back in Location; browsers read far bigger heads than 16 KB.
      maxHeaderSize: 256 * 1024,
    }),
    request,
  );
}

/** Sends the request's body and reads the whole answer; rejects on a socket error or after the timeout. */
export function settleRaw(req: ClientRequest, request: Pick<RawRequest, 'body' | 'timeoutMs'>): Promise<RawResponse> {
  return new Promise((resolveResponse, reject) => {
    req.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolveResponse({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    req.setTimeout(request.timeoutMs ?? 20_000, () => req.destroy(new Error(`no answer within ${request.timeoutMs ?? 20_000} ms`)));
    req.on('error', reject);
    req.end(request.body);
  });
}

// ---------------------------------------------------------------------------------------------
// The Alexa side of the flow over any transport (plain HTTP here, HTTPS through nginx).

export type Send = (request: RawRequest) => Promise<RawResponse>;

/** Requests to `base` over node:http, through `agent` (e.g. a keep-alive one). */
export function httpSender(base: string, agent?: Agent): Send {
  return (request) => rawRequest(base, { agent: agent ?? false, ...request });
}

export interface ConsentPage {
  status: number;
  headers: IncomingHttpHeaders;
  html: string;
  /** The CSRF cookie as `name=value`. */
  cookie: string;
  /** Every hidden input of the form, unescaped. */
  hidden: Record<string, string>;
  /** The form's action attribute. */
  action: string | undefined;
}

export interface TokenAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  json: Record<string, unknown>;
  text: string;
}

export interface LinkedTokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  scope: string;
  token_type: string;
}

const FORM = 'application/x-www-form-urlencoded';

export function basicAuth(id = CLIENT_ID, secret = CLIENT_SECRET): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` };
}

/** What Alexa and the person's browser do, one request at a time. `headers` go on every request. */
export class OAuthClient {
  constructor(
    readonly send: Send,
    readonly headers: Record<string, string> = {},
  ) {}

  async page(query: URLSearchParams, headers: Record<string, string> = {}): Promise<ConsentPage> {
    const response = await this.send({ method: 'GET', path: `/alexa/authorize?${query}`, headers: { ...this.headers, ...headers } });
    const setCookie = response.headers['set-cookie'] ?? [];
    const hidden: Record<string, string> = {};
    for (const match of response.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
      hidden[match[1]!] = unescapeHtml(match[2]!);
    }
    const action = /<form method="post" action="([^"]*)">/.exec(response.body)?.[1];
    return {
      status: response.status,
      headers: response.headers,
      html: response.body,
      cookie: (setCookie[0] ?? '').split(';')[0]!,
      hidden,
      action: action === undefined ? undefined : unescapeHtml(action),
    };
  }

  /** Posts the consent form as a browser does: hidden inputs, cookie, the person's fields. */
  consent(page: ConsentPage, fields: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<RawResponse> {
    const body = new URLSearchParams({ ...page.hidden, username: USERNAME, password: PASSWORD, decision: 'approve', ...fields });
    return this.send({
      method: 'POST',
      path: '/alexa/authorize',
      headers: { ...this.headers, 'content-type': FORM, cookie: page.cookie, ...headers },
      body: body.toString(),
    });
  }

  /** Page and form; resolves to the redirect's parameters (throws unless the answer is a 303). */
  async authorize(query: URLSearchParams, fields: Record<string, string> = {}): Promise<URLSearchParams> {
    const page = await this.page(query);
    if (page.status !== 200) throw new Error(`authorize page answered ${page.status}: ${page.html.slice(0, 300)}`);
    const response = await this.consent(page, fields);
    if (response.status !== 303) throw new Error(`consent post answered ${response.status}: ${response.body.slice(0, 300)}`);
    return new URL(response.headers.location!).searchParams;
  }

  async post(path: string, params: Record<string, string>, headers: Record<string, string> = basicAuth()): Promise<TokenAnswer> {
    const response = await this.send({
      method: 'POST',
      path,
      headers: { ...this.headers, 'content-type': FORM, ...headers },
      body: new URLSearchParams(params).toString(),
    });
    let json: Record<string, unknown> = {};
    try {
      json = response.body ? (JSON.parse(response.body) as Record<string, unknown>) : {};
    } catch {
      json = {};
    }
    return { status: response.status, headers: response.headers, json, text: response.body };
  }

  token(params: Record<string, string>, headers?: Record<string, string>): Promise<TokenAnswer> {
    return this.post('/alexa/token', params, headers);
  }

  /** Exchanges a code; throws unless 200. */
  async exchange(code: string, redirectUri: string): Promise<LinkedTokens> {
    const answer = await this.token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri });
    if (answer.status !== 200) throw new Error(`code exchange answered ${answer.status}: ${answer.text}`);
    return answer.json as unknown as LinkedTokens;
  }

  /** A whole link: page, form, code exchange. */
  async link(query: URLSearchParams): Promise<LinkedTokens> {
    const redirect = await this.authorize(query);
    const code = redirect.get('code');
    if (!code) throw new Error(`the redirect carried no code: ${redirect}`);
    return this.exchange(code, query.get('redirect_uri')!);
  }

  refresh(refreshToken: string): Promise<TokenAnswer> {
    return this.token({ grant_type: 'refresh_token', refresh_token: refreshToken });
  }

  introspect(token: string): Promise<TokenAnswer> {
    return this.post('/alexa/introspect', { token });
  }
}

/** Undoes the HTML escaping of an attribute value. */
export function unescapeHtml(value: string): string {
  return value
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&#x([0-9a-f]+);/gi, (_, code: string) => String.fromCharCode(Number.parseInt(code, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
