import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listAttempts, showAttempt } from '../src/diagnostics/attemptViews.ts';
import { CLIENT_ID } from './helpers/bridge.ts';
import { authorizeQuery, getPage, submitConsent } from './helpers/http.ts';
import { addOtherClient, exchange, newCode, OTHER_CLIENT_ID, seededBridge, tokensOf } from './helpers/oauth.ts';

// Every page view became a flow later reported as "abandoned": after a normal day `flows` was
// noise. An abandoned attempt is listed only when it tells something: it got past the sign-in
// page, or it is its client's latest attempt.

test('flows lists an abandoned attempt only when it got past the sign-in page or is its client’s latest', async (t) => {
  const bridge = await seededBridge(t);
  await addOtherClient(bridge);
  const context = bridge.daemon.context;
  const flowIds = () => context.store.flows.toArray().reverse().map((flow) => flow.id);

  await getPage(bridge.url, authorizeQuery()); // opened and closed, twice
  await getPage(bridge.url, authorizeQuery());
  const [viewedTwice, viewedOnce] = flowIds();
  const failedSignIn = await getPage(bridge.url, authorizeQuery());
  assert.equal((await submitConsent(bridge.url, failedSignIn, { password: 'wrong password' })).status, 400);
  const [signInFailed] = flowIds();
  tokensOf(await exchange(bridge.url, await newCode(bridge.url)));
  const [linked] = flowIds();
  await getPage(bridge.url, authorizeQuery()); // the latest attempt of this client: a page view
  const [latest] = flowIds();
  await getPage(bridge.url, authorizeQuery({ client_id: OTHER_CLIENT_ID }));
  const [otherLatest] = flowIds();

  bridge.clock.advance(11 * 60); // every attempt that was not finished is abandoned now
  const listed = listAttempts(context, { last: 20 });
  const statusOf = Object.fromEntries(listed.map((flow) => [flow.flow_id, flow.status]));
  assert.deepEqual(statusOf, {
    [otherLatest!]: 'abandoned',
    [latest!]: 'abandoned',
    [linked!]: 'linked',
    [signInFailed!]: 'abandoned',
  });
  assert.equal(listed.find((flow) => flow.flow_id === latest)?.client_id, CLIENT_ID);
  // Left out of the list, still there to show.
  assert.equal(showAttempt(context, { id: viewedOnce! }).status, 'abandoned');
  assert.equal(showAttempt(context, { id: viewedTwice! }).status, 'abandoned');
  // --last counts listed attempts.
  assert.deepEqual(listAttempts(context, { last: 3 }).map((flow) => flow.flow_id), [otherLatest, latest, linked]);
});
