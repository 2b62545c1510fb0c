// fetch-shaped answers (Response, Headers) from the one OAuth test client (./oauthClient.ts), for
// the in-process tests, plus postForm for requests no client would make.
import type { IncomingHttpHeaders } from 'node:http';
import { CLIENT_ID, LAYLA } from './bridge.ts';
import { basicAuth, httpSender, OAuthClient, type ConsentPage, type RawResponse } from './oauthClient.ts';

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
  const page = await new OAuthClient(httpSender(base)).page(new URLSearchParams(query));
  return { status: page.status, headers: headersOf(page.headers), html: page.html, cookie: page.cookie, hidden: page.hidden };
}

/** Node's header object as fetch's Headers. */
export function headersOf(raw: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, one);
  }
  return headers;
}

function responseOf(raw: RawResponse): Response {
  return new Response(raw.body, { status: raw.status, headers: headersOf(raw.headers) });
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
export async function submitConsent(base: string, page: Page, fields: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<Response> {
  const consentPage: ConsentPage = { ...page, headers: {}, action: undefined };
  return responseOf(await new OAuthClient(httpSender(base)).consent(consentPage, fields, headers));
}

/** Runs the page and the form post; returns the redirect's parameters. */
export async function authorize(base: string, query: URLSearchParams = authorizeQuery()): Promise<URLSearchParams> {
  const page = await getPage(base, query);
  if (page.status !== 200) throw new Error(`authorize page answered ${page.status}`);
  const response = await submitConsent(base, page);
  if (response.status !== 303) throw new Error(`consent post answered ${response.status}: ${await response.text()}`);
  return new URL(response.headers.get('location')!).searchParams;
}

/** HTTP Basic as RFC 7617 writes it: base64 of id:secret, nothing form-encoded. */
export const basic = basicAuth;

export async function tokenRequest(
  base: string,
  params: Record<string, string>,
  headers: Record<string, string> = basic(),
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const answer = await new OAuthClient(httpSender(base)).token(params, headers);
  return { status: answer.status, headers: headersOf(answer.headers), json: answer.text ? (JSON.parse(answer.text) as Record<string, unknown>) : {} };
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
