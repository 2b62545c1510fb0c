// Text that comes from a request (client_id, user names, scope, redirect URIs) can hide or reorder
// what an admin reads: a right-to-left override (U+202E), line and paragraph separators
// (U+2028/2029), zero-width characters (U+200B). `flows`, the log and the admin page show them as
// visible escapes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listAttempts, showAttempt } from '../src/diagnostics/attemptViews.ts';
import { visible } from '../src/text/visible.ts';
import { adminSessionCookie } from './helpers/admin.ts';
import { LAYLA } from './helpers/bridge.ts';
import { authorizeQuery, getPage, submitConsent } from './helpers/http.ts';
import { seededBridge } from './helpers/oauth.ts';

const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/u;

test('visible(): each invisible or bidi control character becomes its escape; other text stays', () => {
  assert.equal(visible('evil\u202Etxt.exe'), 'evil\\u202Etxt.exe');
  assert.equal(visible('a\u2028b\u2029c\u200Bd\uFEFF'), 'a\\u2028b\\u2029c\\u200Bd\\uFEFF');
  assert.equal(visible('\u001b[31m'), '\\u001B[31m');
  assert.equal(visible('Grüße, 日本, Ünïcödé 🎵'), 'Grüße, 日本, Ünïcödé 🎵');
  assert.equal(visible('tag\u{E0041}'), 'tag\\u{E0041}');
});

test('client_id, scope, user name and redirect_uri with hidden characters: escaped in flows, log and admin page', async (t) => {
  const bridge = await seededBridge(t, { env: { BRIDGE_ADMIN_PORT: '0' } });
  await getPage(bridge.url, authorizeQuery({ client_id: 'alexa-skill\u202Egnp.exe' }));
  await getPage(bridge.url, authorizeQuery({ redirect_uri: `${LAYLA}\u2028` }));
  await getPage(bridge.url, authorizeQuery({ scope: 'alexa\u200Badmin' }));
  const page = await getPage(bridge.url, authorizeQuery({ state: 'st\u2029ate' }));
  await submitConsent(bridge.url, page, { username: 'ali\u200Bce\u202E', password: 'wrong' });

  const flows = listAttempts(bridge.daemon.context, { last: 10 }).map((flow) => showAttempt(bridge.daemon.context, { id: flow.flow_id }));
  const text = JSON.stringify(flows);
  assert.ok(!INVISIBLE.test(text), 'flows hold no invisible character');
  for (const escaped of ['alexa-skill\\\\u202Egnp.exe', '\\\\u2028', 'alexa\\\\u200Badmin', 'ali\\\\u200Bce\\\\u202E']) {
    assert.ok(text.includes(escaped), `flows show ${escaped}`);
  }

  for (const line of bridge.logText().split('\n')) assert.ok(!INVISIBLE.test(line), `the log holds no invisible character: ${line}`);
  assert.match(bridge.logText(), /unknown client_id alexa-skill\\\\u202Egnp\.exe/);

  const admin = `http://127.0.0.1:${bridge.daemon.adminPort}`;
  const cookie = await adminSessionCookie(bridge.dataDir);
  const adminPage = async (path: string) => (await fetch(`${admin}${path}`, { headers: { cookie } })).text();
  for (const path of ['/', '/flows', ...flows.map((flow) => `/flows/${flow.flow_id}`)]) {
    const html = await adminPage(path);
    assert.ok(!INVISIBLE.test(html.replace(/\n/g, ' ')), `${path} holds no invisible character`);
  }
  assert.match(await adminPage('/flows'), /alexa-skill\\u202Egnp\.exe/);
});
