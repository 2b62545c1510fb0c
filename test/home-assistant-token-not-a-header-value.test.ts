// A Home Assistant token that cannot be an HTTP header value (a line break or a non-ASCII
// character pasted into it) made every relayed directive fail in fetch with
// `Headers.append: "Bearer <token>" is an invalid header value`, and that message, token and all,
// went into the daemon's log line and doctor's output. Such a token is now refused at start-up,
// without repeating it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../src/config/load.ts';

const SECRET = 'eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXBhcnQ.sig';
const base = { BRIDGE_SMART_HOME_CLIENTS: 'alexa-skill', BRIDGE_DATA_DIR: '/tmp/x', BRIDGE_HOME_ASSISTANT_URL: 'http://127.0.0.1:8123' };

for (const [what, token] of Object.entries({
  'a line break inside': `${SECRET.slice(0, 10)}\n${SECRET.slice(10)}`,
  'a space inside': `${SECRET.slice(0, 10)} ${SECRET.slice(10)}`,
  'a zero-width space (copied from a web page)': `${SECRET}\u200b`,
  'a non-ASCII letter': `${SECRET}é`,
})) {
  test(`home_assistant_token and SUPERVISOR_TOKEN with ${what} are refused at start-up, the token not repeated`, () => {
    for (const env of [{ ...base, BRIDGE_HOME_ASSISTANT_TOKEN: token }, { BRIDGE_DATA_DIR: '/tmp/x', SUPERVISOR_TOKEN: token }]) {
      let message = '';
      assert.throws(() => loadConfig({ env }), (error: Error) => ((message = error.message), true));
      assert.match(message, /(BRIDGE_HOME_ASSISTANT_TOKEN|SUPERVISOR_TOKEN)=\(hidden\)/);
      assert.ok(!message.includes(SECRET.slice(0, 10)) && !message.includes(SECRET.slice(10)), message);
    }
  });
}

test('a real long-lived access token (a JWT) and surrounding blanks are accepted', () => {
  assert.equal(loadConfig({ env: { ...base, BRIDGE_HOME_ASSISTANT_TOKEN: ` ${SECRET}\n` } }).homeAssistantToken, SECRET);
  assert.equal(loadConfig({ env: { BRIDGE_DATA_DIR: '/tmp/x', SUPERVISOR_TOKEN: SECRET } }).supervisorToken, SECRET);
});
