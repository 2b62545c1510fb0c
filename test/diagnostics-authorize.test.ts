// Every way an authorization request or the sign-in page can fail, and the diagnosis the admin
// gets for it: the flow record names the cause and the fix.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addClient } from '../src/services/clients.ts';
import { CLIENT_ID, LAYLA, PITANGUI, VENDOR_ID } from './helpers/bridge.ts';
import { authorizeQuery, getPage, submitConsent } from './helpers/http.ts';
import { latestDiagnosis, latestFlow, NO_ADMIN } from './helpers/diagnostics.ts';
import { seededBridge, sharedBridge } from './helpers/oauth.ts';

const bridge = sharedBridge({ env: NO_ADMIN }, async (started) => {
  // A client registered for the European region only, as people do who copy one URL.
  await addClient(started.daemon.context, { id: 'eu-only', secret: 'eu-only-secret-0123456789', redirectUris: [LAYLA], scopes: ['alexa'] });
});

async function refusedRedirect(redirectUri: string, clientId = CLIENT_ID) {
  const page = await getPage(bridge().url, authorizeQuery({ redirect_uri: redirectUri, client_id: clientId }));
  assert.equal(page.status, 400);
  return latestDiagnosis(bridge());
}

test('a redirect_uri with a trailing slash: the diagnosis says so and shows the registered value', async () => {
  const { reason, cause } = await refusedRedirect(`${LAYLA}/`);
  assert.equal(reason, 'redirect_uri_not_registered');
  assert.match(cause, /trailing slash/);
  assert.ok(cause.includes(`closest registered one is ${LAYLA}`), cause);
});

test('a redirect_uri with http instead of https: the diagnosis names the scheme', async () => {
  const { cause } = await refusedRedirect(LAYLA.replace('https:', 'http:'));
  assert.match(cause, /scheme is http:\/\/ instead of https:\/\//);
});

test('a redirect_uri whose host differs in letter case: the diagnosis names the case', async () => {
  const { cause } = await refusedRedirect(LAYLA.replace('layla', 'Layla'));
  assert.match(cause, /host's letter case differs \(Layla\.amazon\.com instead of layla\.amazon\.com\)/);
});

test('a redirect_uri with an explicit port: the diagnosis names the port', async () => {
  const { cause } = await refusedRedirect(LAYLA.replace('amazon.com', 'amazon.com:443'));
  assert.match(cause, /names port 443, the registered one no port/);
});

test('a redirect_uri with a query: the diagnosis names the query', async () => {
  const { cause } = await refusedRedirect(`${LAYLA}?region=eu`);
  assert.match(cause, /has the query \?region=eu/);
});

test("another Alexa region's host: the diagnosis says the region follows the app's language and to register all three", async () => {
  const { cause, fix } = await refusedRedirect(PITANGUI, 'eu-only');
  assert.match(cause, /another Alexa region's host: pitangui\.amazon\.com \(North America\) instead of layla\.amazon\.com \(Europe and India\)/);
  assert.match(cause, /language and country setting/);
  assert.match(fix, /all three Alexa regions/);
  assert.ok(fix.includes(`--alexa-vendor-id ${VENDOR_ID}`), fix);
});

test('an unknown client: the diagnosis names it and the registered ones; the error page carries the flow id', async () => {
  const page = await getPage(bridge().url, authorizeQuery({ client_id: 'alexa-skil' }));
  assert.equal(page.status, 400);
  const { reason, cause, flow } = latestDiagnosis(bridge());
  assert.equal(reason, 'unknown_client');
  assert.match(cause, /names client_id “alexa-skil”, which is not registered here \(registered: alexa-skill and eu-only\)/);
  assert.ok(page.html.includes(`<code>${flow.flow_id}</code>`), 'the error page shows the flow id as its reference');
});

test('a client id in the wrong letter case: the diagnosis points to the registered one', async () => {
  await getPage(bridge().url, authorizeQuery({ client_id: 'Alexa-Skill' }));
  assert.match(latestDiagnosis(bridge()).cause, /the registered alexa-skill differs only in letter case/);
});

test('a scope the client may not have: the diagnosis names it and the allowed ones', async () => {
  const page = await getPage(bridge().url, authorizeQuery({ scope: 'alexa shopping' }));
  assert.equal(page.status, 303);
  const { reason, cause } = latestDiagnosis(bridge());
  assert.equal(reason, 'scope_not_allowed');
  assert.match(cause, /asks for scope shopping, which client alexa-skill may not have; it may ask for alexa and music/);
});

test('a code_challenge in standard base64 with padding: the diagnosis names the encoding mistake', async () => {
  await getPage(bridge().url, authorizeQuery({ code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM=', code_challenge_method: 'S256' }));
  assert.match(latestDiagnosis(bridge()).cause, /keeps the = padding/);
  await getPage(bridge().url, authorizeQuery({ code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw+cM', code_challenge_method: 'S256' }));
  assert.match(latestDiagnosis(bridge()).cause, /standard base64; S256 challenges use base64url/);
});

test('code_challenge_method plain: the diagnosis says only S256 is accepted', async () => {
  await getPage(bridge().url, authorizeQuery({ code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' }));
  const { reason, cause } = latestDiagnosis(bridge());
  assert.equal(reason, 'pkce_method_not_s256');
  assert.match(cause, /code_challenge_method is plain; this server accepts only S256/);
});

test('the person pressed Deny: the flow stops at consent, denied', async () => {
  const response = await submitConsent(bridge().url, await getPage(bridge().url, authorizeQuery()), { decision: 'deny' });
  assert.equal(response.status, 303);
  const flow = latestFlow(bridge());
  assert.equal(flow.status, 'denied');
  assert.equal(flow.stopped_at, 'consent');
  assert.match(flow.cause!, /pressed Deny/);
});

test('a wrong password: the step says whose, and the page and its post are one flow', async () => {
  const page = await getPage(bridge().url, authorizeQuery());
  await submitConsent(bridge().url, page, { password: 'not the password' });
  const flow = latestFlow(bridge());
  assert.deepEqual(flow.steps.map((step) => step.step), ['authorize', 'page', 'sign-in-failed']);
  assert.match(flow.cause!, /The password for “alice” was wrong/);
  assert.equal(flow.status, 'in progress', 'the person may still try again');
});

test('a form posted without the page’s cookie: the diagnosis explains the expired page', async (t) => {
  // The page opened on the public URL's host (127.0.0.1): no other host to blame.
  const own = await seededBridge(t, { env: { ...NO_ADMIN, BRIDGE_PUBLIC_URL: 'http://127.0.0.1' } });
  const page = await getPage(own.url, authorizeQuery());
  const response = await submitConsent(own.url, { ...page, cookie: '' });
  assert.equal(response.status, 403);
  const { reason, cause } = latestDiagnosis(own);
  assert.equal(reason, 'form_expired');
  assert.match(cause, /without this page’s cookie/);
});

test('a user who signs in correctly but is not in allowed_users: the admin is told, the page is not', async (t) => {
  const own = await seededBridge(t, { env: { ...NO_ADMIN, BRIDGE_ALLOWED_USERS: 'bob' } });
  const response = await submitConsent(own.url, await getPage(own.url, authorizeQuery()));
  assert.equal(response.status, 400);
  assert.doesNotMatch(await response.text(), /allowed_users/);
  const { reason, cause } = latestDiagnosis(own);
  assert.equal(reason, 'user_not_allowed');
  assert.match(cause, /“alice” signed in with the right password but is not in allowed_users/);
});

test('the whole of a good link is recorded step by step', async () => {
  const params = await submitConsent(bridge().url, await getPage(bridge().url, authorizeQuery()));
  assert.equal(params.status, 303);
  const flow = latestFlow(bridge());
  assert.deepEqual(flow.steps.map((step) => step.step), ['authorize', 'page', 'signed-in', 'approved', 'code-issued']);
  assert.equal(flow.username, 'alice');
  assert.equal(flow.pkce, false);
  assert.match(flow.steps[0]!.note!, /client alexa-skill, redirect_uri https:\/\/layla\.amazon\.com\/api\/skill\/link\/M2TESTVENDOR42, scope alexa, no PKCE, state sent/);
  assert.doesNotMatch(JSON.stringify(flow), /amzn-state-123/, 'the state value is not recorded');
});
