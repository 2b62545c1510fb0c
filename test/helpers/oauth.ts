import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { addClient } from '../../src/services/clients.ts';
import { LAYLA, VENDOR_ID, seedAlexa, startBridge, type TestBridge } from './bridge.ts';
import { authorize, authorizeQuery, basic, headersOf } from './http.ts';
import { httpSender, OAuthClient } from './oauthClient.ts';

/** A second confidential client, registered for the same Alexa vendor id. */
export const OTHER_CLIENT_ID = 'other-skill';
export const OTHER_CLIENT_SECRET = 'other-secret-0123456789-abcdefghij';
/** A public client (no secret, PKCE mandatory). */
export const PUBLIC_CLIENT_ID = 'phone-app';
export const PUBLIC_REDIRECT = 'https://app.example.test/callback';

export interface Reply {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
}

export type BridgeOptions = Parameters<typeof startBridge>[0];

/**
 * A started, seeded bridge shared by every test of the file; stopped after the last one.
 * `setup` runs once after seeding (one `before` hook: node 20 does not wait for one root hook before the next).
 */
export function sharedBridge(options: BridgeOptions = {}, setup?: (bridge: TestBridge) => Promise<void>): () => TestBridge {
  let bridge: TestBridge | undefined;
  before(async () => {
    bridge = await startBridge(options);
    await seedAlexa(bridge);
    await setup?.(bridge);
  });
  after(() => bridge?.stop());
  return () => bridge!;
}

/** A started, seeded bridge of its own for one test. */
export async function seededBridge(t: { after(fn: () => unknown): void }, options: BridgeOptions = {}): Promise<TestBridge> {
  const bridge = await startBridge(options);
  t.after(() => bridge.stop());
  await seedAlexa(bridge);
  return bridge;
}

export async function addOtherClient(bridge: TestBridge): Promise<void> {
  if (bridge.daemon.context.store.clients.get(OTHER_CLIENT_ID)) return;
  await addClient(bridge.daemon.context, {
    id: OTHER_CLIENT_ID,
    name: 'Other Skill',
    secret: OTHER_CLIENT_SECRET,
    alexaVendorId: VENDOR_ID,
    scopes: ['alexa'],
  });
}

export async function addPublicClient(bridge: TestBridge): Promise<void> {
  if (bridge.daemon.context.store.clients.get(PUBLIC_CLIENT_ID)) return;
  await addClient(bridge.daemon.context, {
    id: PUBLIC_CLIENT_ID,
    name: 'Phone App',
    public: true,
    redirectUris: [PUBLIC_REDIRECT],
    scopes: ['alexa'],
  });
}

export async function readReply(response: Response): Promise<Reply> {
  const text = await response.text();
  let json: Record<string, unknown> = {};
  if (text) {
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new Error(`expected JSON, got ${response.status}: ${text.slice(0, 200)}`);
    }
  }
  return { status: response.status, headers: response.headers, json };
}

/** A fresh authorization code for the Alexa client (or the client the query names). */
export async function newCode(base: string, overrides: Record<string, string> = {}): Promise<string> {
  return (await authorize(base, authorizeQuery(overrides))).get('code')!;
}

/** A form post of the one OAuth test client, answered as a Reply. */
async function call(base: string, path: string, params: Record<string, string>, headers: Record<string, string>): Promise<Reply> {
  const answer = await new OAuthClient(httpSender(base)).post(path, params, headers);
  return readReply(new Response(answer.text, { status: answer.status, headers: headersOf(answer.headers) }));
}

export async function introspect(
  base: string,
  token: string,
  headers: Record<string, string> = basic(),
  extra: Record<string, string> = {},
): Promise<Reply> {
  return call(base, '/alexa/introspect', { token, ...extra }, headers);
}

export async function isActive(base: string, token: string): Promise<boolean> {
  const reply = await introspect(base, token);
  assert.equal(reply.status, 200);
  return reply.json['active'] === true;
}

export async function revoke(base: string, token: string, headers: Record<string, string> = basic()): Promise<Reply> {
  return call(base, '/alexa/revoke', { token }, headers);
}

export async function exchange(
  base: string,
  code: string,
  extra: Record<string, string> = {},
  headers: Record<string, string> = basic(),
): Promise<Reply> {
  return call(base, '/alexa/token', { grant_type: 'authorization_code', code, redirect_uri: LAYLA, ...extra }, headers);
}

export async function refresh(
  base: string,
  refreshToken: string,
  extra: Record<string, string> = {},
  headers: Record<string, string> = basic(),
): Promise<Reply> {
  return call(base, '/alexa/token', { grant_type: 'refresh_token', refresh_token: refreshToken, ...extra }, headers);
}

/** RFC 6749 §5.2: an error is a JSON object with `error`. */
export function assertOAuthError(reply: Reply, status: number, error: string): void {
  assert.equal(reply.status, status, `expected ${status} ${error}, got ${reply.status} ${JSON.stringify(reply.json)}`);
  assert.equal(reply.json['error'], error);
  assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
}

/** A successful token response's tokens. */
export function tokensOf(reply: Reply): { access: string; refresh: string } {
  assert.equal(reply.status, 200, `expected tokens, got ${reply.status} ${JSON.stringify(reply.json)}`);
  return { access: reply.json['access_token'] as string, refresh: reply.json['refresh_token'] as string };
}
