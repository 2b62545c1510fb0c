// Random and mutated requests against the real daemon process: no 5xx, never a crash, and it still
// links afterwards. The test prints its seed; rerun with FUZZ_SEED=<seed> (FUZZ_COUNT=<n>) to replay.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { test } from 'node:test';
import { CLIENT_ID, CLIENT_SECRET, LAYLA, PASSWORD, USERNAME } from './helpers/bridge.ts';
import { basicAuth, httpSender, OAuthClient, rawRequest, type ConsentPage, type RawRequest, type RawResponse } from './helpers/daemon-process.ts';
import { agent, alexa, API_PATHS, daemon, FORM, freshPage, MALFORMED, send, show, useHostileDaemon } from './helpers/hostile.ts';
import { authorizeQuery } from './helpers/http.ts';
import { seededRandom } from './helpers/random.ts';

useHostileDaemon();

const FUZZ_COUNT = Number(process.env['FUZZ_COUNT'] ?? 10_000);
const FUZZ_SEED = Number(process.env['FUZZ_SEED'] ?? randomInt(2 ** 31));
const FUZZ_CONCURRENCY = 16;

class Fuzzer {
  constructor(private readonly random: () => number) {}

  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  bytes(n: number): Buffer {
    return Buffer.from(Array.from({ length: n }, () => this.int(256)));
  }

  /** Header-safe text (what Node's client lets through): tab, printable ASCII, Latin-1. */
  headerText(n: number): string {
    return Array.from({ length: n }, () => (this.chance(0.9) ? String.fromCharCode(0x20 + this.int(95)) : String.fromCharCode(0xa0 + this.int(96)))).join('');
  }

  value(): string {
    switch (this.int(14)) {
      case 0:
        return '';
      case 1:
        return this.pick(MALFORMED);
      case 2:
        return encodeURIComponent(this.headerText(1 + this.int(40)));
      case 3:
        return this.bytes(1 + this.int(30)).toString('latin1').replace(/[&=]/g, '');
      case 4:
        return 'x'.repeat(1000 + this.int(20_000));
      case 5:
        return this.pick(['%F0%9F%98%80', '%E2%80%AE', '%00', '%ED%A0%80', '%EF%BF%BD', '%C2%A0', '%0D%0A', '%3Cscript%3E']);
      case 6:
        return this.pick(['refresh_token', 'authorization_code', 'client_credentials', 'password', 'code', 'token', 'S256', 'plain', 'approve', 'deny']);
      case 7:
        return this.pick(['alexa', 'music', 'alexa music', 'openid', ' ', '%20', 'alexa%20alexa', 'ALEXA']);
      case 8:
        return encodeURIComponent(this.pick([LAYLA, `${LAYLA}/`, 'https://evil.example/cb', 'javascript:alert(1)', 'http://layla.amazon.com/api/skill/link/X', `${LAYLA}#x`, `${LAYLA}?a=b`]));
      case 9:
        return this.pick([CLIENT_ID, CLIENT_SECRET, USERNAME, PASSWORD.replace(/ /g, '+'), 'ALEXA-SKILL', `${CLIENT_ID}%00`]);
      case 10:
        return String(this.int(2 ** 31) - 2 ** 30);
      case 11:
        return '%'.repeat(1 + this.int(10));
      case 12:
        return '[]'.repeat(1 + this.int(5));
      default:
        return this.headerText(1 + this.int(60)).replace(/[&=#%+ ]/g, 'q');
    }
  }

  name(original: string): string {
    return this.pick([`${original}[]`, `${original}[x]`, `${original}.x`, `${original}[__proto__]`, '__proto__', 'constructor[prototype][x]', `${original}%00`, original.toUpperCase(), ` ${original}`, `${original}=`, '']);
  }

  /** Mutates a list of parameters the way a broken or hostile client would. */
  params(pairs: [string, string][]): [string, string][] {
    const out = pairs.map(([name, value]) => [name, encodeURIComponent(value)] as [string, string]);
    const mutations = this.int(4);
    for (let i = 0; i < mutations; i++) {
      const index = this.int(out.length || 1);
      switch (this.int(7)) {
        case 0:
          out.splice(index, 1);
          break;
        case 1:
          if (out[index]) out.push([out[index]![0], this.chance(0.5) ? out[index]![1] : this.value()]);
          break;
        case 2:
          if (out[index]) out[index] = [this.name(out[index]![0]), out[index]![1]];
          break;
        case 3:
        case 4:
          if (out[index]) out[index] = [out[index]![0], this.value()];
          break;
        case 5:
          out.push([this.name(this.pick(['grant_type', 'code', 'token', 'state', 'scope', 'a'])), this.value()]);
          break;
        default:
          out.sort(() => this.random() - 0.5);
      }
    }
    return out;
  }

  serialize(pairs: [string, string][]): string {
    let text = pairs.map(([name, value]) => (this.chance(0.03) ? name : `${name}=${value}`)).join(this.chance(0.05) ? ';' : '&');
    if (this.chance(0.05)) text = text.slice(0, this.int(text.length + 1));
    if (this.chance(0.03)) text = `&&${text}&`;
    return text;
  }
}

interface Live {
  page: ConsentPage;
  refreshToken: string;
  accessToken: string;
  code: string;
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND', 'PURGE', 'BREW', 'get'];
const CONTENT_TYPES = [
  FORM,
  `${FORM}; charset=utf-8`,
  `${FORM}; charset=latin1`,
  `${FORM}; charset=utf-16`,
  `${FORM}; charset=nope`,
  `${FORM};;;charset=`,
  'application/json',
  'text/plain',
  'multipart/form-data; boundary=b',
  'multipart/form-data',
  'application/xml',
  '*/*',
  '',
  'application/x-www-form-urlencoded\u00e9',
  'form',
];
const PATH_SUFFIXES = ['/', '//', '%', '%2e%2e', ';x=1', '%00', '/..', '/../health', '?', '#x', '%E0%A4%A', '.json', '~'];
const EXTRA_PATHS = ['/', '/alexa', '/alexa/', '/alexa/unknown', '/admin', '/control', '/flows', '/.well-known/openid-configuration', '/favicon.ico', '/robots.txt', '/health/', '*'];

function fuzzRequest(f: Fuzzer, live: Live): { request: RawRequest; endpoint: string } {
  const template = f.int(10);
  let method = 'POST';
  let path: string;
  let params: [string, string][] = [];
  let headers: Record<string, string | string[]> = { 'content-type': FORM };
  const auth = () => (f.chance(0.85) ? basicAuth() : {});
  switch (template) {
    case 0:
    case 1: {
      method = 'GET';
      path = '/alexa/authorize';
      params = [...authorizeQuery({ state: `s${f.int(1e6)}` })];
      if (f.chance(0.2)) params.push(['code_challenge', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'], ['code_challenge_method', 'S256']);
      headers = {};
      break;
    }
    case 2: {
      path = '/alexa/authorize';
      params = Object.entries({ ...live.page.hidden, username: USERNAME, password: f.chance(0.5) ? PASSWORD : 'wrong password', decision: f.pick(['approve', 'deny', 'maybe']) });
      headers = { 'content-type': FORM, cookie: live.page.cookie };
      break;
    }
    case 3:
      path = '/alexa/token';
      params = [['grant_type', 'refresh_token'], ['refresh_token', live.refreshToken]];
      headers = { 'content-type': FORM, ...auth() };
      if (f.chance(0.2)) params.push(['scope', 'alexa']);
      break;
    case 4:
      path = '/alexa/token';
      params = [['grant_type', 'authorization_code'], ['code', live.code], ['redirect_uri', LAYLA]];
      if (f.chance(0.3)) params.push(['client_id', CLIENT_ID], ['client_secret', CLIENT_SECRET]);
      else headers = { 'content-type': FORM, ...auth() };
      if (f.chance(0.2)) params.push(['code_verifier', 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk']);
      break;
    case 5:
      path = '/alexa/revoke';
      params = [['token', f.chance(0.5) ? live.accessToken : live.refreshToken], ['token_type_hint', f.pick(['access_token', 'refresh_token', 'x'])]];
      headers = { 'content-type': FORM, ...auth() };
      break;
    case 6:
      path = '/alexa/introspect';
      params = [['token', f.chance(0.5) ? live.accessToken : live.refreshToken]];
      headers = { 'content-type': FORM, ...auth() };
      break;
    case 7:
      method = f.pick(['GET', 'HEAD']);
      path = '/health';
      headers = {};
      break;
    case 8:
      method = 'GET';
      path = '/.well-known/oauth-authorization-server';
      headers = {};
      break;
    default:
      method = f.pick(['GET', 'POST']);
      path = f.pick(EXTRA_PATHS);
      params = [['a', f.value()]];
  }
  const endpoint = `${method} ${path}`;

  // Mutations.
  if (f.chance(0.7)) params = f.params(params);
  if (f.chance(0.08)) method = f.pick(METHODS);
  if (f.chance(0.08)) path += f.pick(PATH_SUFFIXES);
  if (f.chance(0.03)) path = path.replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`);
  if (f.chance(0.02)) path = path.toUpperCase();
  if (f.chance(0.1)) headers['content-type'] = f.pick(CONTENT_TYPES);
  if (f.chance(0.05)) headers['content-encoding'] = f.pick(['gzip', 'deflate', 'br', 'identity', 'gzip, gzip', 'x']);
  if (f.chance(0.05)) headers['authorization'] = f.pick([`Basic ${Buffer.from(`${f.value()}:${f.value()}`).toString('base64')}`, `Basic ${f.headerText(20)}`, 'Basic', `Bearer ${live.accessToken}`, f.headerText(30), `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}x`]);
  if (f.chance(0.05)) headers['cookie'] = f.pick([f.headerText(40), `bridge_csrf=${f.value().slice(0, 200)}`, `${live.page.cookie}; ${live.page.cookie}`, `bridge_csrf=; ${f.headerText(10)}`]);
  if (f.chance(0.05)) headers['accept-language'] = f.pick([f.headerText(30), 'de;q=x,,,*;q=NaN', 'ru-RU,ru;q=0.9', '*', ';q=0.5', 'en-US;q=1.5, zz;q=-1', 'a'.repeat(2000)]);
  if (f.chance(0.05)) headers['x-forwarded-for'] = f.pick([f.headerText(20), ', , ,', '::1', '[::1]:80', '1.2.3.4, 5.6.7.8', 'unknown', '999.999.999.999', 'a'.repeat(3000), '']);
  if (f.chance(0.03)) headers['x-forwarded-proto'] = f.pick(['http', 'https', 'gopher', '', f.headerText(10)]);
  if (f.chance(0.03)) headers['host'] = f.pick(['', 'evil.example', '[::1', 'a'.repeat(500), f.headerText(20)]);
  if (f.chance(0.02)) headers['origin'] = f.pick(['null', 'https://evil.example', f.headerText(20)]);
  if (f.chance(0.02)) headers['expect'] = '100-continue';
  if (f.chance(0.01)) headers['x-huge'] = 'h'.repeat(20_000 + f.int(40_000));

  const text = f.serialize(params);
  let body: string | Buffer | undefined;
  if (method === 'GET' || method === 'HEAD' || template === 7 || template === 8 || (template <= 1 && f.chance(0.9))) {
    if (text) path += `${path.includes('?') ? '&' : '?'}${text}`;
    if (f.chance(0.02)) body = text;
  } else {
    body = text;
    if (f.chance(0.1)) path += `?${f.serialize(f.params([['grant_type', 'refresh_token'], ['token', live.accessToken]]))}`;
  }
  if (f.chance(0.04)) body = f.bytes(f.int(3000));
  if (f.chance(0.01)) body = `a=${'b'.repeat(16_370 + f.int(30))}`;
  if (f.chance(0.05) && typeof body === 'string') body = body.slice(0, f.int(body.length + 1));
  if (f.chance(0.03) && body !== undefined) headers['transfer-encoding'] = 'chunked';
  // Node's client sends a path only of bytes 0x21-0xff (raw Latin-1 bytes, i.e. invalid UTF-8, stay),
  // and header values without control characters.
  path = path.replace(/[^\u0021-\u00ff]/g, (c) => encodeURIComponent(c));
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === 'string') headers[name] = value.replace(/[^\t\u0020-\u007e\u0080-\u00ff]/g, '?');
  }
  return { request: { method, path, headers, body, agent, timeoutMs: 20_000 }, endpoint };
}

test(`fuzz: ${FUZZ_COUNT} random and mutated requests, no 5xx, the daemon still links (seed ${FUZZ_SEED})`, async (t) => {
  const f = new Fuzzer(seededRandom(FUZZ_SEED));
  const tokens = await alexa.link(authorizeQuery());
  const redirect = await alexa.authorize(authorizeQuery());
  const live: Live = { page: await freshPage(), refreshToken: tokens.refresh_token, accessToken: tokens.access_token, code: redirect.get('code')! };

  const failures: string[] = [];
  /** Failures grouped by kind: how many, and the first two examples. */
  const kinds = new Map<string, { count: number; examples: string[] }>();
  const fail = (kind: string, example: string) => {
    failures.push(example);
    const entry = kinds.get(kind) ?? { count: 0, examples: [] };
    entry.count++;
    if (entry.examples.length < 2) entry.examples.push(example);
    kinds.set(kind, entry);
  };
  const statuses = new Map<number, number>();
  let errorsLogged = daemon.logs.filter((line) => Number(line['level']) >= 50).length;
  let next = 0;
  const started = Date.now();
  const worker = async () => {
    while (next < FUZZ_COUNT && daemon.running) {
      const index = next++;
      const { request, endpoint } = fuzzRequest(f, live);
      let response: RawResponse;
      try {
        response = await rawRequest(daemon.url, request);
      } catch (error) {
        // A kept-alive socket the server had just closed: one retry on a new connection.
        try {
          response = await rawRequest(daemon.url, { ...request, agent: false });
        } catch (retryError) {
          // A head over Node's 16 KB limit is answered 431 and the connection dropped at once: a
          // client still writing may only see the reset.
          const headSize = request.path.length + JSON.stringify(request.headers).length;
          if (headSize > 16 * 1024 && /ECONNRESET|EPIPE|socket hang up/.test(String(retryError))) {
            statuses.set(431, (statuses.get(431) ?? 0) + 1);
            continue;
          }
          fail(`no answer (${(retryError as NodeJS.ErrnoException).code ?? String(retryError)})`, `#${index} (${endpoint}) no answer: ${String(error)} / retry: ${String(retryError)}\n    ${show(request)}`);
          continue;
        }
      }
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (response.status >= 500) {
        const encoding = (request.headers as Record<string, string>)['content-encoding'];
        fail(response.status === 500 && encoding ? `500 with Content-Encoding: ${encoding}` : `${response.status} for method ${request.method}`, `#${index} (${endpoint}) answered ${response.status}: ${response.body.slice(0, 200)}\n    ${show(request)}`);
        continue;
      }
      // The app's own error answers speak the endpoint's language.
      const exactPath = request.path.split('?')[0];
      if (response.status >= 400 && response.headers['x-request-id'] && response.body !== '' && request.method !== 'HEAD') {
        const type = String(response.headers['content-type']);
        if (request.method === 'POST' && (API_PATHS as readonly string[]).includes(exactPath!) && !type.startsWith('application/json')) {
          fail(`${response.status} as ${type} from ${exactPath}`, `#${index} (${endpoint}) answered ${response.status} as ${type}\n    ${show(request)}`);
        }
        if ((request.method === 'POST' || request.method === 'GET') && exactPath === '/alexa/authorize' && !type.startsWith('text/html')) {
          fail(`${response.status} as ${type} from ${exactPath}`, `#${index} (${endpoint}) answered ${response.status} as ${type}\n    ${show(request)}`);
        }
      }
      if (response.status === 303 && response.headers.location && !response.headers.location.startsWith(`${LAYLA}?`)) {
        fail('redirect elsewhere', `#${index} (${endpoint}) redirected to ${response.headers.location}\n    ${show(request)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: FUZZ_CONCURRENCY }, worker));
  const elapsed = Date.now() - started;
  const errorLines = daemon.logs.filter((line) => Number(line['level']) >= 50).slice(errorsLogged);
  errorsLogged += errorLines.length;
  t.diagnostic(`seed ${FUZZ_SEED}: ${next} requests in ${elapsed} ms; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);

  const summary = () =>
    `seed ${FUZZ_SEED} (rerun with FUZZ_SEED=${FUZZ_SEED}): ${failures.length} failure(s) in ${next} requests\n` +
    [...kinds].map(([kind, { count, examples }]) => `  ${count} × ${kind}, e.g.\n    ${examples.join('\n    ')}`).join('\n') +
    (errorLines.length ? `\nerrors the daemon logged (${errorLines.length}):\n${errorLines.slice(0, 5).map((line) => JSON.stringify(line).slice(0, 600)).join('\n')}` : '');
  assert.ok(daemon.running, `the daemon died during the fuzz\n${summary()}\n${daemon.tail()}`);
  assert.ok(next >= FUZZ_COUNT, `only ${next} requests were sent`);

  // Still healthy, and a whole link still works, on a new connection.
  const health = await send({ path: '/health' });
  assert.equal(health.status, 200, health.body);
  const fresh = new OAuthClient(httpSender(daemon.url), { 'accept-language': 'en' });
  const linked = await fresh.link(authorizeQuery());
  const refreshed = await fresh.refresh(linked.refresh_token);
  assert.equal(refreshed.status, 200, refreshed.text);
  assert.equal((await fresh.introspect(refreshed.json['access_token'] as string)).json['active'], true);

  assert.equal(failures.length, 0, summary());
  assert.deepEqual(errorLines.map((line) => line['msg']), [], summary());
});
