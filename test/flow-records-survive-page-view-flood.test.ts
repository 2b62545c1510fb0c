// Flow records are bounded (flows_kept), and anybody can open the sign-in page. Page views that
// lead nowhere go first, so they cannot push failed or linked attempts out of the records.
// Regression: 200 plain GET /alexa/authorize flushed every kept attempt.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listAttempts } from '../src/diagnostics/attemptViews.ts';
import { CLIENT_ID } from './helpers/bridge.ts';
import { authorizeQuery, basic, getPage } from './helpers/http.ts';
import { latestFlow, NO_ADMIN } from './helpers/diagnostics.ts';
import { exchange, newCode, seededBridge, tokensOf } from './helpers/oauth.ts';

test('200 page views keep the linked attempt, the failed exchange and the refused request', async (t) => {
  const bridge = await seededBridge(t, { env: { ...NO_ADMIN, BRIDGE_FLOWS_KEPT: '10' } });
  tokensOf(await exchange(bridge.url, await newCode(bridge.url)));
  const linked = latestFlow(bridge).flow_id;
  await exchange(bridge.url, await newCode(bridge.url), {}, basic(CLIENT_ID, 'wrong-secret'));
  const failed = latestFlow(bridge).flow_id;
  await getPage(bridge.url, authorizeQuery({ redirect_uri: 'https://evil.example/cb' }));
  const refused = latestFlow(bridge).flow_id;

  for (let i = 0; i < 200; i++) await getPage(bridge.url, authorizeQuery({ state: `s${i}` }));

  const kept = listAttempts(bridge.daemon.context, { last: 100 });
  assert.equal(kept.length, 10, 'still bounded');
  const byId = new Map(kept.map((flow) => [flow.flow_id, flow]));
  assert.equal(byId.get(linked)?.status, 'linked');
  assert.equal(byId.get(failed)?.status, 'failed');
  assert.equal(byId.get(refused)?.status, 'failed');
  assert.equal(kept[0]!.reached, 'sign-in page shown', 'the latest page view is kept too');
});

test('when only real attempts are kept, the oldest of them goes', async (t) => {
  const bridge = await seededBridge(t, { env: { ...NO_ADMIN, BRIDGE_FLOWS_KEPT: '10' } });
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) {
    await newCode(bridge.url);
    ids.push(latestFlow(bridge).flow_id);
  }
  assert.deepEqual(
    listAttempts(bridge.daemon.context, { last: 100 }).map((flow) => flow.flow_id),
    ids.slice(-10).reverse(),
  );
});
