// Reviewer's attack on issue 9 item 6's limits: the redirect URI limit counted characters as
// registered, but the redirect writes the URI percent-encoded (URL's serialization of the path and
// of the query it keeps): 505 emoji in a query, 1,010 UTF-16 units, became a 6 KB Location before
// any state or `iss`, past the head size the limits promise nginx. The limit now counts the URI as
// the redirect writes it. The redirect also re-encoded the registered query (`?flag` → `?flag=`,
// `~` → `%7E`); RFC 6749 §3.1.2 says to retain it, and now it is kept as written.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authorizationResponseUrl } from '../src/oauth/authorizationResponse.ts';
import { MAX_REDIRECT_URI_LENGTH } from '../src/services/clients.ts';
import { tempDir } from './helpers/bridge.ts';
import { assertFailedWithOneLine, runCli } from './helpers/cli.ts';

const SECRET = 'a-long-enough-secret-0123456789';

/** The redirect URI's length in the redirect's Location, before the response's parameters. */
function asRedirected(uri: string): number {
  return authorizationResponseUrl(uri, '', {}).length - '?iss='.length;
}

test('a redirect URI that grows past the limit once URL-encoded cannot be registered', async () => {
  const dataDir = await tempDir();
  const base = 'https://skill.example.test/callback';
  const growing = [
    `${base}?v=${'😀'.repeat((MAX_REDIRECT_URI_LENGTH - base.length - 3) / 2)}`,
    `${base}/${'é'.repeat(MAX_REDIRECT_URI_LENGTH - base.length - 1)}`,
    `${base}?v=${'"'.repeat(MAX_REDIRECT_URI_LENGTH - base.length - 3)}`,
  ];
  for (const [i, uri] of growing.entries()) {
    assert.ok(uri.length <= MAX_REDIRECT_URI_LENGTH && asRedirected(uri) > MAX_REDIRECT_URI_LENGTH, `case ${i}: ${uri.length} → ${asRedirected(uri)}`);
    const result = await runCli(['client', 'add', `grows-${i}`, '--redirect-uri', uri, '--secret', SECRET], { dataDir });
    assertFailedWithOneLine(result, new RegExp(`at most ${MAX_REDIRECT_URI_LENGTH} characters once URL-encoded as in the redirect; this one has ${asRedirected(uri)}\\n$`));
  }
});

test('the registered query is kept as written in the redirect, with the response parameters after it', () => {
  assert.equal(
    authorizationResponseUrl('https://skill.example.test/cb?flag&t=a~b', 'https://bridge.test', { code: 'c', state: 'x y' }),
    'https://skill.example.test/cb?flag&t=a~b&code=c&state=x+y&iss=https%3A%2F%2Fbridge.test',
  );
  assert.equal(authorizationResponseUrl('https://skill.example.test/cb', 'https://bridge.test', { error: 'access_denied' }), 'https://skill.example.test/cb?error=access_denied&iss=https%3A%2F%2Fbridge.test');
});

test('a redirect URI of exactly the limit as redirected is registered', async () => {
  const dataDir = await tempDir();
  const base = 'https://skill.example.test/callback?v=';
  const atLimit = `${base}${'p'.repeat(MAX_REDIRECT_URI_LENGTH - base.length)}`;
  assert.equal(asRedirected(atLimit), MAX_REDIRECT_URI_LENGTH);
  const result = await runCli(['client', 'add', 'at-limit', '--redirect-uri', atLimit, '--secret', SECRET], { dataDir });
  assert.equal(result.code, 0, result.stderr);
});
