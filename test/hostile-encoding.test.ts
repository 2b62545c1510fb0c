// Hostile encodings against the real daemon process: malformed percent-encoding and UTF-8, nested
// and repeated parameters, huge values and headers. A 4xx, never a 5xx.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLIENT_ID, CLIENT_SECRET, LAYLA, PASSWORD, USERNAME } from './helpers/bridge.ts';
import { basicAuth } from './helpers/daemon-process.ts';
import { alexa, API_PATHS, assert4xx, assertAuthorizeAnswer, assertKind, FORM, freshPage, MALFORMED, rawSocketExchange, refreshBody, send, show, useHostileDaemon } from './helpers/hostile.ts';
import { authorizeQuery } from './helpers/http.ts';

useHostileDaemon();

test('malformed percent-encoding and invalid UTF-8 in path, query, body, cookie and credentials', async () => {
  // Paths.
  for (const bad of [...MALFORMED, '\u00c3\u0028', '\u00ff']) {
    for (const path of [`/alexa/${bad}`, `/alexa/authorize${bad}`, `/alexa/token${bad}`, `/${bad}`, `/.well-known/oauth-authorization-server${bad}`, `/health${bad}`]) {
      for (const method of ['GET', 'POST']) {
        const request = { method, path, headers: { 'content-type': FORM, ...basicAuth() }, body: method === 'POST' ? refreshBody() : undefined };
        assert4xx(await send(request), 'any', show(request));
      }
    }
  }
  // The authorize query: each parameter in turn. A bad client_id or redirect_uri is an HTML error page.
  for (const bad of MALFORMED) {
    for (const name of ['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'code_challenge', 'code_challenge_method']) {
      const query = `${authorizeQuery()}`.replace(new RegExp(`(^|&)${name}=[^&]*`), `$1${name}=${bad}`);
      const withParam = query.includes(`${name}=`) ? query : `${query}&${name}=${bad}`;
      const request = { method: 'GET', path: `/alexa/authorize?${withParam}` };
      const response = await send(request);
      assertAuthorizeAnswer(response, show(request));
      if (name === 'client_id' || name === 'redirect_uri') assert4xx(response, 'html', show(request));
    }
    const request = { method: 'GET', path: `/alexa/authorize?${bad}&${authorizeQuery()}` };
    assertAuthorizeAnswer(await send(request), show(request));
  }
  // Form bodies of the API.
  for (const bad of MALFORMED) {
    for (const body of [
      `grant_type=${bad}`,
      `grant_type=refresh_token&refresh_token=${bad}`,
      `grant_type=authorization_code&code=${bad}&redirect_uri=${bad}`,
      `grant_type=refresh_token&refresh_token=x&scope=${bad}`,
      `grant_type=refresh_token&refresh_token=x&client_id=${bad}&client_secret=${bad}`,
      `${bad}=${bad}`,
      bad,
    ]) {
      const token = { method: 'POST', path: '/alexa/token', headers: { 'content-type': FORM, ...basicAuth() }, body };
      assert4xx(await send(token), 'json', show(token));
      const unauthenticated = { method: 'POST', path: '/alexa/token', headers: { 'content-type': FORM }, body };
      assert4xx(await send(unauthenticated), 'json', show(unauthenticated));
      for (const path of ['/alexa/revoke', '/alexa/introspect']) {
        // An unknown token is a 200 for these (RFC 7009 §2.2, RFC 7662 §2.2); the rest a 4xx.
        const request = { method: 'POST', path, headers: { 'content-type': FORM, ...basicAuth() }, body: `token=${bad}&token_type_hint=${bad}` };
        const response = await send(request);
        assert.ok(response.status === 200 || (response.status >= 400 && response.status < 500), `${show(request)}: ${response.status}`);
        assertKind(response, 'json', show(request));
      }
    }
    // Raw invalid UTF-8 bytes, not percent-encoded.
    const raw = { method: 'POST', path: '/alexa/token', headers: { 'content-type': FORM, ...basicAuth() }, body: Buffer.concat([Buffer.from('grant_type=refresh_token&refresh_token='), Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80])]) };
    assert4xx(await send(raw), 'json', show(raw));
  }
  // Credentials and cookies.
  for (const bad of MALFORMED) {
    for (const authorization of [
      `Basic ${Buffer.from(`${bad}:${bad}`).toString('base64')}`,
      `Basic ${Buffer.from(`${CLIENT_ID}:${bad}`).toString('base64')}`,
      `Basic ${Buffer.from([0xc3, 0x28, 0x3a, 0xff]).toString('base64')}`,
      `Basic ${bad}`,
      'Basic',
      'Basic ====',
      `Bearer ${bad}`,
      bad,
    ]) {
      for (const path of API_PATHS) {
        const request = { method: 'POST', path, headers: { 'content-type': FORM, authorization }, body: `${refreshBody()}&token=x` };
        assert4xx(await send(request), 'json', show(request));
      }
    }
    const page = await freshPage();
    for (const cookie of [`bridge_csrf=${bad}`, `${bad}=${bad}`, `bridge_csrf=${bad}; ${page.cookie}`, `${page.cookie}; bridge_csrf=${bad}`]) {
      const form = new URLSearchParams({ ...page.hidden, username: USERNAME, password: PASSWORD, decision: 'approve' });
      const request = { method: 'POST', path: '/alexa/authorize', headers: { 'content-type': FORM, cookie }, body: form.toString() };
      const response = await send(request);
      assert.ok(response.status < 500, `${show(request)}: ${response.status}`);
      if (response.status !== 303) assertKind(response, 'html', show(request));
    }
    const form = `${new URLSearchParams({ ...page.hidden, decision: 'approve' })}&password=${bad}&username=${bad}`;
    const request = { method: 'POST', path: '/alexa/authorize', headers: { 'content-type': FORM, cookie: page.cookie }, body: form };
    assert4xx(await send(request), 'html', show(request));
    // The same with one of the form's own fields garbled (a different one for each bad value; each
    // post that gets as far as the password costs a hash): an error page or an error redirect.
    const fields = ['client_id', 'redirect_uri', 'state', 'scope', 'csrf_token', 'decision', 'response_type'];
    for (const name of [fields[MALFORMED.indexOf(bad) % fields.length]!]) {
      const garbled = `${new URLSearchParams({ ...page.hidden, username: USERNAME, password: PASSWORD, decision: 'approve', [name]: 'PLACEHOLDER' })}`.replace('PLACEHOLDER', bad);
      const post = { method: 'POST', path: '/alexa/authorize', headers: { 'content-type': FORM, cookie: page.cookie }, body: garbled };
      const response = await send(post);
      // state is opaque: any string comes back as it was sent, with a code.
      assertAuthorizeAnswer(response, show(post), name === 'state');
      if (name !== 'state') assert.ok(!/[?&]code=/.test(response.headers.location ?? ''), `${show(post)}: issued a code`);
    }
  }
});

test('a[b]=, a.b= and repeated parameters: flat strings only, a repeat is refused', async () => {
  const tokens = await alexa.link(authorizeQuery());
  // Nested-looking names are just other (unknown, ignored) names: the refresh works.
  const nested = `${refreshBody(tokens.refresh_token)}&a[b]=1&a.b=2&a[]=3&__proto__[admin]=1&constructor[prototype][admin]=1&__proto__=x`;
  const refreshed = await send({ method: 'POST', path: '/alexa/token', headers: { 'content-type': FORM, ...basicAuth() }, body: nested });
  assert.equal(refreshed.status, 200, refreshed.body);

  const apiCases = [
    'grant_type[]=refresh_token&refresh_token=x',
    'grant_type[x]=refresh_token&refresh_token=x',
    'grant_type.x=refresh_token&refresh_token=x',
    'grant_type=refresh_token&refresh_token[]=x',
    'grant_type=refresh_token&refresh_token[a]=x&refresh_token[b]=y',
    'grant_type=refresh_token&grant_type=refresh_token&refresh_token=x',
    'grant_type=refresh_token&refresh_token=x&refresh_token=x',
    'grant_type=refresh_token&refresh_token=x&client_id=alexa-skill&client_id=alexa-skill',
    `grant_type=refresh_token&refresh_token=x&client_secret=${CLIENT_SECRET}&client_secret=${CLIENT_SECRET}`,
    'grant_type=refresh_token&refresh_token=x&scope=alexa&scope=alexa',
  ];
  for (const body of apiCases) {
    const request = { method: 'POST', path: '/alexa/token', headers: { 'content-type': FORM, ...basicAuth() }, body };
    assert4xx(await send(request), 'json', show(request));
  }
  for (const path of ['/alexa/revoke', '/alexa/introspect']) {
    for (const body of [`token=${tokens.access_token}&token=${tokens.access_token}`, 'token[]=x', 'token[a]=x', 'token_type_hint=a&token_type_hint=b&token=x']) {
      const request = { method: 'POST', path, headers: { 'content-type': FORM, ...basicAuth() }, body };
      const response = await send(request);
      if (body.startsWith('token[')) assert.ok(response.status === 400 || response.status === 200, show(request));
      else assert4xx(response, 'json', show(request));
      assertKind(response, 'json', show(request));
    }
  }
  // A repeated token must not have been revoked by the refused request.
  const still = await alexa.introspect(JSON.parse(refreshed.body).access_token as string);
  assert.equal(still.json['active'], true);

  const query = authorizeQuery();
  // A repeated client_id or redirect_uri cannot be trusted to redirect to: an HTML error page.
  for (const extra of ['client_id=alexa-skill', `redirect_uri=${encodeURIComponent(LAYLA)}`, 'redirect_uri=https%3A%2F%2Fevil.example%2Fcb']) {
    const request = { method: 'GET', path: `/alexa/authorize?${query}&${extra}` };
    assert4xx(await send(request), 'html', show(request));
  }
  // Any other repeat: an error page or an error redirect to the registered URI.
  for (const extra of ['state=a&state=b', 'response_type=code', 'scope=alexa', 'code_challenge_method=S256&code_challenge_method=S256']) {
    const request = { method: 'GET', path: `/alexa/authorize?${query}&${extra}` };
    const response = await send(request);
    assert.ok(response.status >= 300 && response.status < 500, `${show(request)}: ${response.status}`);
    assertAuthorizeAnswer(response, show(request));
  }
  // Bracketed and dotted names are other, unknown names: ignored, the page is shown.
  for (const extra of ['client_id[]=evil', 'redirect_uri[x]=https%3A%2F%2Fevil.example', 'client_id.x=evil', 'a[b]=1&a.b=2']) {
    const request = { method: 'GET', path: `/alexa/authorize?${query}&${extra}` };
    const response = await send(request);
    assert.equal(response.status, 200, show(request));
    assert.doesNotMatch(response.body, /evil/, show(request));
  }
  for (const extra of ['client_id[]=alexa-skill', 'client_id.x=alexa-skill']) {
    const request = { method: 'GET', path: `/alexa/authorize?${extra}&response_type=code&redirect_uri=${encodeURIComponent(LAYLA)}` };
    assert4xx(await send(request), 'html', show(request));
  }
  // The form post: a repeated decision, username or password is not a sign-in.
  for (const extra of ['decision=approve', 'username=alice', `password=${encodeURIComponent(PASSWORD)}`, 'csrf_token=x', 'client_id=alexa-skill']) {
    const page = await freshPage();
    const form = `${new URLSearchParams({ ...page.hidden, username: USERNAME, password: PASSWORD, decision: 'approve' })}&${extra}`;
    const request = { method: 'POST', path: '/alexa/authorize', headers: { 'content-type': FORM, cookie: page.cookie }, body: form };
    const response = await send(request);
    assert.ok(!/[?&]code=/.test(response.headers.location ?? ''), `${show(request)}: issued a code`);
    assertAuthorizeAnswer(response, show(request));
  }
});

test('huge values and headers: 414/431/400/413, never a 5xx', async () => {
  // Over a raw socket: the server answers as soon as the head is too big and drops the rest, which
  // a normal client, still writing, may see as a reset before it reads the answer.
  const exchange = async (method: string, path: string, headerLines: string[]) => {
    const body = method === 'POST' ? refreshBody() : '';
    const head = [`${method} ${path} HTTP/1.1`, 'Host: bridge', `Content-Type: ${FORM}`, `Content-Length: ${body.length}`, ...headerLines].join('\r\n');
    const answer = await rawSocketExchange(`${head}\r\n\r\n${body}`, 10_000);
    return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(answer.text)?.[1]), what: `${method} ${path.slice(0, 60)}… (${path.length} bytes) with ${headerLines.length} header line(s) of ${headerLines.join('').length} bytes` };
  };
  const megabyte = 'x'.repeat(1024 * 1024);
  for (const path of [`/alexa/authorize?${authorizeQuery()}&state=${megabyte}`, `/alexa/token?a=${megabyte}`, `/${megabyte}`]) {
    for (const method of ['GET', 'POST']) {
      const { status, what } = await exchange(method, path, []);
      assert.ok([400, 413, 414, 431].includes(status), `${what}: ${status}`);
    }
  }
  const headerCases: string[][] = [
    [`X-Huge: ${'y'.repeat(100 * 1024)}`],
    [`Cookie: bridge_csrf=${'z'.repeat(64 * 1024)}`],
    [`Authorization: Basic ${'A'.repeat(64 * 1024)}`],
    Array.from({ length: 200 }, (_, i) => `X-H${i}: ${'v'.repeat(500)}`),
    Array.from({ length: 3000 }, () => 'X-Many: v'),
  ];
  for (const lines of headerCases) {
    for (const path of ['/alexa/authorize', '/alexa/token', '/health']) {
      const { status, what } = await exchange(path === '/alexa/token' ? 'POST' : 'GET', path, lines);
      assert.equal(status, 431, what);
    }
  }
  // Within the body cap, a huge value is just a wrong one.
  const longToken = { method: 'POST', path: '/alexa/token', headers: { 'content-type': FORM, ...basicAuth() }, body: refreshBody('r'.repeat(16_000)) };
  assert4xx(await send(longToken), 'json', show(longToken));
  const manyParams = { method: 'POST', path: '/alexa/introspect', headers: { 'content-type': FORM, ...basicAuth() }, body: `token=x${'&a=1'.repeat(4000)}` };
  const many = await send(manyParams);
  assert.ok(many.status === 200 || (many.status >= 400 && many.status < 500), `${show(manyParams)}: ${many.status}`);
  const page = await freshPage();
  const longUser = new URLSearchParams({ ...page.hidden, username: 'u'.repeat(7000), password: 'p'.repeat(7000), decision: 'approve' });
  const request = { method: 'POST', path: '/alexa/authorize', headers: { 'content-type': FORM, cookie: page.cookie }, body: longUser.toString() };
  assert4xx(await send(request), 'html', show(request));
});
