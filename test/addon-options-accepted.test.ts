// What the Supervisor accepts must start. For every option of addon.yaml, a
// spread of values (edges, odd characters, a trailing newline, which Python's
// `$` lets through) is put to the Supervisor's own rules (helpers/
// supervisor-rules.ts); each value those rules accept is written into an
// options.json and the daemon must start on it, in-process, and serve /health.
// Before issue 12, an add-on with no alexa_vendor_id or a short client_secret
// passed the Supervisor and then exited 1 at every start.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { checkConfig } from '../src/config/load.ts';
import { startDaemon } from '../src/daemon.ts';
import { createLogger } from '../src/log/logger.ts';
import { configuredClientProblem } from '../src/services/clients.ts';
import { readManifest } from './helpers/addon-source.ts';
import { isMapping, optionValueProblems } from './helpers/supervisor-rules.ts';

type Mapping = Record<string, unknown>;

// What the user fills in before the Supervisor starts the add-on at all.
const FILLED_IN = { public_url: 'https://alexa.example.com', client_secret: 'k'.repeat(32), alexa_vendor_id: 'M2ABCDEFGHIJ3K' };

// Candidates per option; the Supervisor's rules pick the ones it would save.
const CANDIDATES: Record<string, unknown[]> = {
  public_url: [
    'https://alexa.example.com', 'https://alexa.example.com/', 'https://alexa.example.com/bridge/', 'https://ALEXA.Example.com',
    'https://alexa.example.com:8443', 'https://alexa.example.com:65535', 'https://alexa.example.com:99999',
    'https://alexa.example.com.', 'https://xn--bcher-kva.example', 'https://alexa.example.com/a b', 'https://alexa.example.com/a%20b',
    'https://alexa.example.com\n', 'https://999.1.1.1', 'https://10.0.0.1', 'https://[::1]', 'https://a<b.example', 'https://a..b',
    'https://alexa.example.com/a\\b', 'https://alexa.example.com:0', 'https://alexa.example.com:',
    `https://alexa.example.com/${'a'.repeat(230)}`, `https://alexa.example.com/${'a'.repeat(231)}`, `https://alexa.example.com/${'😀'.repeat(120)}`,
    'https://home.example.com/bridge', 'https://home.example.com/br%C3%BCcke',
  ],
  client_id: ['alexa', 'a', 'x'.repeat(200), 'alexa-skill_1.0~', '!#$%&', 'alexa\n', ' alexa', 'alexa skill', 'ä'],
  client_secret: [
    'k'.repeat(16), 'k'.repeat(256), 'k'.repeat(257), ' '.repeat(16), 'ü'.repeat(16), '😀'.repeat(16), '😀'.repeat(256), '😀'.repeat(300), 'k'.repeat(15) + '\n',
    'short',
  ],
  alexa_vendor_id: ['M2ABCDEFGHIJ3K', 'A'.repeat(10), 'A'.repeat(20), '1234567890', 'M2ABCDEFGHIJ3K\n', 'm2abcdefghij3k', 'A'.repeat(21)],
  scopes: [[], ['alexa'], ['alexa', 'profile'], ['a:b/c'], ['!'], ['alexa\n'], ['alexa', 'alexa'], ['al"exa'], ['al exa'], ['']],
  allowed_users: [[], ['alice'], [''], ['  '], ['Alice Smith'], ['alice', 'bob'], ['alice\n']],
  access_token_ttl: [360, 3600, 86_400 * 365],
  refresh_token_ttl: [3600, 7_776_000, 86_400 * 3650],
  trust_proxy: [
    '172.30.32.0/23', '172.30.32.0/23, 192.168.1.20', '127.0.0.1', '10.0.0.0/8,192.168.0.0/16', '0.0.0.0/0', '172.30.32.0/23\n',
    '1', '0', 5, '999.1.1.1', '10.0.0.0/33', '10.0.0.1/', 'nginx.local', 'fd00::/8', '172.30.32.0/23,', '',
  ],
  smart_home_clients: [[], ['alexa'], ['alexa', 'other'], [''], ['al exa'], ['alexa\n'], ['x'.repeat(201)]],
  smart_home_timeout: [0.5, 6.5, 7.5, 1, 0.4, 8, '6.5'],
  log_level: ['trace', 'debug', 'info', 'warn', 'error', 'fatal'],
};

let dir = '';
let runs = 0;

async function startsOn(options: Mapping): Promise<string | undefined> {
  const run = path.join(dir, String(++runs));
  const file = `${run}.json`;
  await writeFile(file, JSON.stringify(options));
  const checked = checkConfig({ file, env: { BRIDGE_DATA_DIR: run, BRIDGE_PORT: '0', BRIDGE_ADMIN_PORT: 'off', BRIDGE_LOG_FILES: '0' } });
  if ('problems' in checked) return checked.problems.join('; ');
  const clientProblem = configuredClientProblem(checked.config);
  if (clientProblem) return clientProblem;
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const daemon = await startDaemon(checked.config, createLogger('fatal', silent)).catch((error: Error) => error);
  if (daemon instanceof Error) return `start failed: ${daemon.message}`;
  try {
    const health = await fetch(`http://127.0.0.1:${daemon.port}/health`);
    return health.status === 200 ? undefined : `/health answered ${health.status}`;
  } finally {
    await daemon.stop();
  }
}

describe('every option value the Supervisor accepts starts the daemon', () => {
  let schema: Mapping = {};
  let defaults: Mapping = {};

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'addon-accepted-'));
    const manifest = await readManifest();
    assert.ok(isMapping(manifest.schema) && isMapping(manifest.options));
    schema = manifest.schema;
    defaults = manifest.options;
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('every option has candidates', () => {
    assert.deepEqual(Object.keys(CANDIDATES).sort(), Object.keys(schema).sort());
  });

  test('with every option the schema lets the user clear left out', async () => {
    const optional = Object.keys(schema).filter((key) => String(schema[key]).endsWith('?'));
    const options = Object.fromEntries(Object.entries({ ...defaults, ...FILLED_IN }).filter(([key]) => !optional.includes(key)));
    assert.equal(await startsOn(options), undefined);
  });

  test('with only the options the Supervisor requires: the defaults and what the user fills in', async () => {
    assert.equal(await startsOn({ ...defaults, ...FILLED_IN }), undefined);
  });

  for (const [key, candidates] of Object.entries(CANDIDATES)) {
    test(key, async () => {
      const accepted = candidates.filter((value) => optionValueProblems(schema[key], value, key).length === 0);
      // The rules must not have waved everything through, nor refused everything.
      assert.ok(accepted.length > 0, `the Supervisor accepts none of the ${key} candidates`);
      const failures: string[] = [];
      for (const value of accepted) {
        const problem = await startsOn({ ...defaults, ...FILLED_IN, [key]: value });
        if (problem) failures.push(`${JSON.stringify(value)}: ${problem}`);
      }
      assert.deepEqual(failures, []);
    });
  }
});
