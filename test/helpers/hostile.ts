// The daemon the hostile-input tests share, and how they judge its answers: every endpoint answers
// bad input with a 4xx (JSON for the API, HTML for the page), never a 5xx, never a crash.
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { connect } from 'node:net';
import { after, before } from 'node:test';
import { LAYLA } from './bridge.ts';
import {
  DaemonProcess,
  httpSender,
  OAuthClient,
  rawRequest,
  seedAlexaWithCli,
  tempDir,
  type ConsentPage,
  type RawRequest,
  type RawResponse,
} from './daemon-process.ts';
import { authorizeQuery } from './http.ts';

// src/daemon.ts: server.headersTimeout and server.requestTimeout.
export const HEADERS_TIMEOUT_MS = 10_000;
export const REQUEST_TIMEOUT_MS = 15_000;
/** How much later than its timeout the server may cut a stalled client off. */
export const CUT_OFF_SLACK_MS = 3_000;

export const FORM = 'application/x-www-form-urlencoded';
export const API_PATHS = ['/alexa/token', '/alexa/revoke', '/alexa/introspect'] as const;

// Live bindings: set by the hooks useHostileDaemon() registers, read by the tests of the file.
export let daemon: DaemonProcess;
export let agent: Agent;
export let alexa: OAuthClient;

/**
 * One daemon process for the calling test file, with the limits out of the way (they are tested
 * elsewhere; here they would only turn bad input into 429s), stopped after its last test, which
 * must find it still running and see it exit cleanly.
 */
export function useHostileDaemon(): void {
  before(async () => {
    const dataDir = await tempDir('bridge-hostile-');
    await seedAlexaWithCli(dataDir);
    daemon = await DaemonProcess.start({
      dataDir,
      env: {
        BRIDGE_LOG_LEVEL: 'warn',
        // The test client is the trusted proxy, so garbage in X-Forwarded-For reaches the address parsing.
        BRIDGE_TRUST_PROXY: '127.0.0.1',
        BRIDGE_API_REQUESTS_PER_MINUTE: '10000000',
        BRIDGE_CLIENT_REQUESTS_PER_MINUTE: '10000000',
        BRIDGE_CLIENT_AUTH_FAILURE_LIMIT: '10000000',
        BRIDGE_SIGN_IN_FAILURE_LIMIT: '10000000',
        BRIDGE_SIGN_IN_DAILY_FAILURE_LIMIT: '10000000',
        BRIDGE_SIGN_IN_USERNAME_DAILY_FAILURE_LIMIT: '10000000',
      },
    });
    agent = new Agent({ keepAlive: true, maxSockets: 16 });
    alexa = new OAuthClient(httpSender(daemon.url, agent), { 'accept-language': 'en' });
  });

  after(async () => {
    const exit = await daemon?.stop();
    agent?.destroy();
    // Whatever happened above, the daemon must still have been running and then stop cleanly.
    assert.equal(exit?.code, 0, `the daemon ended with ${JSON.stringify(exit)}\n${daemon?.tail()}`);
  });
}

export function send(request: RawRequest): Promise<RawResponse> {
  return rawRequest(daemon.url, { agent: false, ...request });
}

export function show(request: RawRequest): string {
  const body = request.body === undefined ? '' : ` body(${request.body.length} bytes)=${JSON.stringify(String(request.body).slice(0, 160))}`;
  return `${request.method ?? 'GET'} ${request.path.slice(0, 200)}${request.path.length > 200 ? `…(${request.path.length})` : ''} headers=${JSON.stringify(request.headers ?? {}).slice(0, 300)}${body}`;
}

export type Kind = 'json' | 'html' | 'any';

/** A 4xx, of the kind the endpoint speaks (Node's own 4xx before the app, e.g. 431, have no body). */
export function assert4xx(response: RawResponse, kind: Kind, what: string): void {
  assert.ok(response.status >= 400 && response.status < 500, `${what}: expected a 4xx, got ${response.status}: ${response.body.slice(0, 300)}`);
  assertKind(response, kind, what);
}

export function assertKind(response: RawResponse, kind: Kind, what: string): void {
  if (kind === 'any' || !response.headers['x-request-id'] || response.body === '') return;
  const type = String(response.headers['content-type']);
  if (kind === 'json') assert.match(type, /^application\/json/, `${what}: ${response.status} with content-type ${type}: ${response.body.slice(0, 200)}`);
  else assert.match(type, /^text\/html/, `${what}: ${response.status} with content-type ${type}: ${response.body.slice(0, 200)}`);
}

/** An authorize answer: an HTML page (error or form), or a redirect to the registered URI carrying an error. */
export function assertAuthorizeAnswer(response: RawResponse, what: string, codeAllowed = false): void {
  assert.ok(response.status < 500, `${what}: ${response.status}: ${response.body.slice(0, 300)}`);
  if (response.status >= 300 && response.status < 400) {
    const location = response.headers.location ?? '';
    assert.ok(location.startsWith(`${LAYLA}?`), `${what}: redirected to ${location}`);
    if (!codeAllowed) assert.match(location, /[?&]error=/, `${what}: a redirect without an error: ${location}`);
    return;
  }
  assertKind(response, 'html', what);
}

export function refreshBody(refreshToken = 'not-a-real-refresh-token'): string {
  return `grant_type=refresh_token&refresh_token=${refreshToken}`;
}

export async function freshPage(): Promise<ConsentPage> {
  const page = await alexa.page(authorizeQuery());
  assert.equal(page.status, 200);
  return page;
}


/** Percent-encodings that decode to nothing valid, or to invalid UTF-8. */
export const MALFORMED = ['%', '%E0%A4%A', '%C3%28', '%ZZ', '%00', '%ED%A0%80', '%FF%FE', '%u0041', '%%%', '%C0%AF'];

/** Writes `text` on a fresh connection and collects what comes back until the server closes it or `waitMs` passes. */
export function rawSocketExchange(text: string, waitMs: number): Promise<{ text: string; closedAfterMs: number | undefined }> {
  return new Promise((resolveExchange) => {
    const started = Date.now();
    const socket = connect(daemon.port, '127.0.0.1', () => socket.write(text));
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolveExchange({ text: received, closedAfterMs: undefined });
    }, waitMs);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolveExchange({ text: received, closedAfterMs: Date.now() - started });
    });
  });
}
