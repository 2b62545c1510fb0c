// A directive sent with Content-Encoding: gzip went to Home Assistant as compressed bytes
// labelled application/json, without its Content-Encoding (which is not passed on): Home
// Assistant got garbage, and the 64 KB limit counted compressed bytes. The Lambda never
// compresses; a coded body is refused with 415 and Accept-Encoding: identity (RFC 9110 §15.5.16,
// §12.5.3) before anything is forwarded. `identity` is no coding and is accepted.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deflateSync, gzipSync } from 'node:zlib';
import { startBridge, seedAlexa } from './helpers/bridge.ts';
import { link } from './helpers/http.ts';
import { HA_TOKEN, HomeAssistantStandIn } from './helpers/home-assistant-standin.ts';

test('a directive with a content coding is refused with 415 and not forwarded; identity is relayed', async (t) => {
  const ha = await HomeAssistantStandIn.start();
  t.after(() => ha.stop());
  const bridge = await startBridge({ env: { BRIDGE_SMART_HOME_CLIENTS: 'alexa-skill', BRIDGE_HOME_ASSISTANT_URL: ha.url, BRIDGE_HOME_ASSISTANT_TOKEN: HA_TOKEN } });
  t.after(() => bridge.stop());
  await seedAlexa(bridge);
  const { access_token } = await link(bridge.url);
  const directive = Buffer.from('{"directive": {"header": {"namespace": "Alexa.Discovery", "name": "Discover"}}}');
  const send = (body: Buffer, coding: string) =>
    fetch(`${bridge.url}/api/alexa/smart_home`, {
      method: 'POST',
      headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json', 'content-encoding': coding },
      body,
    });

  for (const [coding, body] of [['gzip', gzipSync(directive)], ['deflate', deflateSync(directive)], ['GZIP', gzipSync(directive)], ['gzip, identity', gzipSync(directive)]] as const) {
    const response = await send(body, coding);
    assert.equal(response.status, 415, coding);
    assert.equal(response.headers.get('accept-encoding'), 'identity');
    assert.deepEqual(await response.json(), { error: 'invalid_request', error_description: 'a directive is sent without a content coding (Content-Encoding)' });
  }
  assert.equal(ha.received.length, 0);

  const plain = await send(directive, 'identity');
  assert.equal(plain.status, 200);
  assert.deepEqual(ha.directives()[0]!.body, directive);
});
