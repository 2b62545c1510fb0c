// One household member's revoked link made every directive of the household fail: each refused
// bearer token counted as a failed *client authentication* of the Lambda's address, and after
// client_auth_failure_limit of them (the Alexa app asking the state of 20 devices is enough) that
// address, which carries every member's directives, was refused with 429 for 10 minutes. Bearer
// tokens are 256-bit random values, not guessable secrets: a refused one is answered 401 and
// counts only against the address's ordinary api_requests_per_minute.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startBridge, seedAlexa } from './helpers/bridge.ts';
import { link } from './helpers/http.ts';
import { revoke } from './helpers/oauth.ts';
import { HA_TOKEN, HomeAssistantStandIn } from './helpers/home-assistant-standin.ts';

test("a revoked member's refused directives do not lock the household's Lambda address out of the relay", async (t) => {
  const ha = await HomeAssistantStandIn.start();
  t.after(() => ha.stop());
  const bridge = await startBridge({
    env: { BRIDGE_SMART_HOME_CLIENTS: 'alexa-skill', BRIDGE_HOME_ASSISTANT_URL: ha.url, BRIDGE_HOME_ASSISTANT_TOKEN: HA_TOKEN, BRIDGE_CLIENT_AUTH_FAILURE_LIMIT: '3' },
  });
  t.after(() => bridge.stop());
  await seedAlexa(bridge);
  const member = await link(bridge.url);
  const unlinked = await link(bridge.url);
  assert.equal((await revoke(bridge.url, unlinked.refresh_token)).status, 200);

  const send = (token: string) =>
    fetch(`${bridge.url}/api/alexa/smart_home`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"directive":{}}' });
  for (let i = 0; i < 6; i++) {
    const refused = await send(unlinked.access_token);
    assert.equal(refused.status, 401, `refused directive ${i + 1}`);
    assert.equal(refused.headers.get('www-authenticate'), 'Bearer realm="alexa-oauth-bridge", error="invalid_token"');
  }
  const allowed = await send(member.access_token);
  assert.equal(allowed.status, 200);
  assert.equal(ha.directives().length, 1);
});
