// The log redacts secrets by key while it makes strings visible, in one walk over the log object.
// pino's `redact` paths reached one level down only (`*.client_secret`): a form logged inside a
// request object (`{ req: { form: { client_secret } } }`) was written out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger, REDACTED } from '../src/log/logger.ts';

function capture(): { lines: Record<string, unknown>[]; write(line: string): void } {
  const lines: Record<string, unknown>[] = [];
  return { lines, write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
}

test('secret keys are redacted at the top and two levels down; everything else stays', () => {
  const sink = capture();
  const log = createLogger('info', sink);
  log.info(
    {
      code: 'the-auth-code',
      password: 'pw',
      token: 'tok',
      form: { client_secret: 'sec', code_verifier: 'ver', grant_type: 'authorization_code', code: 'nested-code-is-an-error-code' },
      req: { headers: { authorization: 'Basic eHh4Onl5eQ==', cookie: 'sid=1', host: 'bridge' }, form: { refresh_token: 'rt', access_token: 'at' } },
      list: [{ token: 'in-a-list' }],
      clientId: 'alexa-skill',
      missing: undefined,
    },
    'message',
  );
  const [line] = sink.lines;
  assert.equal(line!['code'], REDACTED);
  assert.equal(line!['password'], REDACTED);
  assert.equal(line!['token'], REDACTED);
  assert.deepEqual(line!['form'], { client_secret: REDACTED, code_verifier: REDACTED, grant_type: 'authorization_code', code: 'nested-code-is-an-error-code' });
  assert.deepEqual(line!['req'], { headers: { authorization: REDACTED, cookie: REDACTED, host: 'bridge' }, form: { refresh_token: REDACTED, access_token: REDACTED } });
  assert.deepEqual(line!['list'], [{ token: REDACTED }]);
  assert.equal(line!['clientId'], 'alexa-skill');
  assert.equal('missing' in line!, false);
  assert.equal(line!['msg'], 'message');
});

test('an error keeps its code and message; strings from requests get visible escapes', () => {
  const sink = capture();
  const log = createLogger('info', sink);
  const err = Object.assign(new Error('writing grants.json failed'), { code: 'ENOSPC' });
  log.error({ err, user: 'ali\u202Ece', nested: { name: 'a\u2028b' } }, 'write \u200Bfailed');
  const [line] = sink.lines;
  assert.equal((line!['err'] as Record<string, unknown>)['code'], 'ENOSPC');
  assert.equal((line!['err'] as Record<string, unknown>)['message'], 'writing grants.json failed');
  assert.equal(line!['user'], 'ali\\u202Ece');
  assert.deepEqual(line!['nested'], { name: 'a\\u2028b' });
  assert.equal(line!['msg'], 'write \\u200Bfailed');
});
