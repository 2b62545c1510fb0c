// Redaction by key (src/log/logger.ts) replaced pino's redact paths, which pino applied to the
// serialized error too: `{ err }` with a `password` or `token` field was written `[redacted]`,
// and after the change in clear, because errors were left out of the walk. The walk also read
// only three levels and plain objects, and compared keys exactly: `Authorization`,
// `Client_Secret`, `x-supervisor-token`, a secret four levels down or in a class instance were
// all written out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger, REDACTED } from '../src/log/logger.ts';

const SECRETS = ['ERRPW', 'ERRTOKEN', 'Basic ERRAUTH', 'ERRCOOKIE', 'CAUSEPW', 'ODD1', 'ODD2', 'ODD3', 'ODD4', 'ODD5', 'ODD6', 'DEEP', 'TOODEEP', 'INSTANCE', 'AGG'];

function logged(write: (log: ReturnType<typeof createLogger>) => void): { text: string; lines: Record<string, unknown>[] } {
  const lines: string[] = [];
  write(createLogger('info', { write: (line: string) => void lines.push(line) }));
  return { text: lines.join(''), lines: lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

test('an error: its secret fields, those of its causes and of what it carries are redacted; type, message, code and stack stay', () => {
  const cause = Object.assign(new Error('the upstream refused'), { password: 'CAUSEPW' });
  const err = Object.assign(new Error('request failed', { cause }), {
    code: 'ENOSPC',
    password: 'ERRPW',
    token: 'ERRTOKEN',
    request: { headers: { authorization: 'Basic ERRAUTH', cookie: 'ERRCOOKIE', host: 'bridge' } },
    upstream: Object.assign(new Error('enumerable cause'), { password: 'CAUSEPW' }),
  });
  const { text, lines } = logged((log) => {
    log.error({ err }, 'with err');
    log.error(err, 'as the first argument');
    log.error({ error: err }, 'under another key');
    log.error({ err: new AggregateError([Object.assign(new Error('one'), { token: 'AGG' })], 'all failed') }, 'aggregate');
  });
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `${secret} is in the log:\n${text}`);
  for (const line of lines.slice(0, 3)) {
    const written = (line['err'] ?? line['error']) as Record<string, unknown>;
    assert.equal(written['type'], 'Error');
    assert.equal(written['message'], 'request failed: the upstream refused');
    assert.equal(written['code'], 'ENOSPC');
    assert.equal(written['password'], REDACTED);
    assert.equal(written['token'], REDACTED);
    assert.deepEqual(written['request'], { headers: { authorization: REDACTED, cookie: REDACTED, host: 'bridge' } });
    assert.match(String(written['stack']), /^Error: request failed\n/);
  }
});

test('keys are secret whatever their case and separators; depth and class instances do not hide a secret', () => {
  class Form {
    constructor(readonly client_secret: string, readonly grant_type: string) {}
  }
  const { text, lines } = logged((log) =>
    log.info(
      {
        headers: { Authorization: 'ODD1', 'X-Supervisor-Token': 'ODD2', Cookie: 'ODD3' },
        Client_Secret: 'ODD4',
        clientSecret: 'ODD5',
        home_assistant_token: 'ODD6',
        a: { b: { c: { d: { password: 'DEEP', kept: 'visible' } } } },
        z: { 1: { 2: { 3: { 4: { 5: { 6: { 7: { 8: { 9: { password: 'TOODEEP' } } } } } } } } } },
        form: new Form('INSTANCE', 'refresh_token'),
        when: new Date(0),
        clientId: 'alexa-skill',
      },
      'odd keys',
    ),
  );
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `${secret} is in the log:\n${text}`);
  const [line] = lines;
  assert.deepEqual(line!['headers'], { Authorization: REDACTED, 'X-Supervisor-Token': REDACTED, Cookie: REDACTED });
  assert.equal(line!['Client_Secret'], REDACTED);
  assert.deepEqual(line!['a'], { b: { c: { d: { password: REDACTED, kept: 'visible' } } } });
  assert.deepEqual(line!['form'], { client_secret: REDACTED, grant_type: 'refresh_token' });
  assert.equal(line!['when'], '1970-01-01T00:00:00.000Z');
  assert.equal(line!['clientId'], 'alexa-skill');
});
