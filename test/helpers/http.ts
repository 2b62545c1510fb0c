import { CLIENT_ID, CLIENT_SECRET, LAYLA, PASSWORD, USERNAME } from './bridge.ts';

export interface Page {
  status: number;
  headers: Headers;
  html: string;
  /** The CSRF cookie the page set, as `name=value`. */
  cookie: string;
  /** Every hidden input of the form, unescaped. */
  hidden: Record<string, string>;
}

export function authorizeQuery(overrides: Record<string, string | undefined> = {}): URLSearchParams {
  const params = { client_id: CLIENT_ID, response_type: 'code', state: 'amzn-state-123', scope: 'alexa', redirect_uri: LAYLA, ...overrides };
  return new URLSearchParams(Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

export async function getPage(base: string, query: URLSearchParams | string): Promise<Page> {
  const response = await fetch(`${base}/alexa/authorize?${query}`, { redirect: 'manual' });
  const html = await response.text();
  const cookie = (response.headers.getSetCookie()[0] ?? '').split(';')[0]!;
  const hidden: Record<string, string> = {};
  for (const match of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    hidden[match[1]!] = unescapeHtml(match[2]!);
  }
  return { status: response.status, headers: response.headers, html, cookie, hidden };
}

function unescapeHtml(value: string): string {
  return value.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
}

export function postForm(url: string, body: URLSearchParams | string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: String(body),
  });
}

/** Submits the consent form as a browser would: its hidden inputs, the cookie and the person's fields. */
export function submitConsent(base: string, page: Page, fields: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<Response> {
  const body = new URLSearchParams({ ...page.hidden, username: USERNAME, password: PASSWORD, decision: 'approve', ...fields });
  return postForm(`${base}/alexa/authorize`, body, { cookie: page.cookie, ...headers });
}

/** Runs the page and the form post; returns the redirect's parameters. */
export async function authorize(base: string, query: URLSearchParams = authorizeQuery()): Promise<URLSearchParams> {
  const page = await getPage(base, query);
  if (page.status !== 200) throw new Error(`authorize page answered ${page.status}`);
  const response = await submitConsent(base, page);
  if (response.status !== 303) throw new Error(`consent post answered ${response.status}: ${await response.text()}`);
  return new URL(response.headers.get('location')!).searchParams;
}

export function basic(id = CLIENT_ID, secret = CLIENT_SECRET): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` };
}

export async function tokenRequest(
  base: string,
  params: Record<string, string>,
  headers: Record<string, string> = basic(),
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const response = await postForm(`${base}/alexa/token`, new URLSearchParams(params), headers);
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** A whole link: page, form, code exchange. */
export async function link(base: string, query: URLSearchParams = authorizeQuery(), extra: Record<string, string> = {}) {
  const redirect = await authorize(base, query);
  const tokens = await tokenRequest(base, {
    grant_type: 'authorization_code',
    code: redirect.get('code')!,
    redirect_uri: query.get('redirect_uri')!,
    ...extra,
  });
  if (tokens.status !== 200) throw new Error(`code exchange answered ${tokens.status}: ${JSON.stringify(tokens.json)}`);
  return tokens.json as { access_token: string; refresh_token: string; expires_in: number; scope: string; token_type: string };
}
