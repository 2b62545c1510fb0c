// The add-on manifest (addon.yaml) and its translations, checked against the
// Supervisor's rules; and proof that those rules reject broken manifests.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/config/load.ts';
import { LANGUAGES, readManifest, readYaml, repoRoot } from './helpers/addon-source.ts';
import {
  buildConfigWarnings,
  isMapping,
  manifestWarnings,
  optionValueProblems,
  parseSchemaElement,
  requiredWithoutDefault,
  validateManifest,
  validateTranslation,
  type ScalarType,
} from './helpers/supervisor-rules.ts';

type Mapping = Record<string, unknown>;

// The daemon reads /data/options.json with exactly these keys.
const OPTION_NAMES = [
  'public_url', 'client_id', 'client_secret', 'alexa_vendor_id', 'scopes', 'allowed_users',
  'access_token_ttl', 'refresh_token_ttl', 'trust_proxy', 'smart_home_clients', 'smart_home_timeout', 'log_level',
];

function section(manifest: Mapping, key: string): Mapping {
  const value = manifest[key];
  assert.ok(isMapping(value), `${key} is not a mapping`);
  return value;
}

async function readTranslation(language: string): Promise<Mapping> {
  const translation = await readYaml(`docker/translations/${language}.yaml`);
  assert.ok(isMapping(translation), `${language}.yaml is not a mapping`);
  return translation;
}

function descriptions(translation: Mapping): Map<string, string> {
  const entries = Object.entries(section(translation, 'configuration'));
  return new Map(entries.map(([key, entry]) => [key, String(isMapping(entry) ? entry.description : '')]));
}

function assertProblem(problems: string[], expected: RegExp): void {
  assert.ok(
    problems.some((problem) => expected.test(problem)),
    `expected a problem matching ${expected}, got ${JSON.stringify(problems)}`,
  );
}

describe('addon.yaml', () => {
  test("passes the Supervisor's rules", async () => {
    assert.deepEqual(validateManifest(await readManifest()), []);
  });

  test("has package.json's version", async () => {
    const pkg = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    assert.equal((await readManifest()).version, pkg.version);
  });

  test('offers exactly the options the daemon reads', async () => {
    const schema = section(await readManifest(), 'schema');
    assert.deepEqual(Object.keys(schema).sort(), [...OPTION_NAMES].sort());
  });

  test('leaves public_url, client_secret and alexa_vendor_id for the user to fill in', async () => {
    assert.deepEqual(requiredWithoutDefault(await readManifest()).sort(), ['alexa_vendor_id', 'client_secret', 'public_url']);
  });

  test('takes only an https public URL, and a secret of 16 to 256 characters', async () => {
    const schema = section(await readManifest(), 'schema');
    assert.deepEqual(optionValueProblems(schema.public_url, 'https://alexa.example.com/bridge', 'public_url'), []);
    for (const wrong of ['http://alexa.example.com', 'https://alexa.example.com/?a=1', 'https://user@alexa.example.com', 'alexa.example.com']) {
      assert.notDeepEqual(optionValueProblems(schema.public_url, wrong, 'public_url'), [], wrong);
    }
    assert.deepEqual(optionValueProblems(schema.client_secret, 'k'.repeat(16), 'client_secret'), []);
    assert.deepEqual(optionValueProblems(schema.client_secret, 'short', 'client_secret'), ['client_secret: "short" is shorter than 16 characters']);
    assert.notDeepEqual(optionValueProblems(schema.client_secret, 'k'.repeat(257), 'client_secret'), []);
  });

  test('takes an Alexa vendor id and nothing else', async () => {
    const element = section(await readManifest(), 'schema').alexa_vendor_id;
    assert.deepEqual(optionValueProblems(element, 'M2ABCDEFGHIJ3K', 'alexa_vendor_id'), []);
    for (const wrong of ['m2abcdefghij3k', 'M2ABC', 'M2ABCDEFGHIJ3K/', 'https://layla.amazon.com/api/skill/link/M2ABCDEFGHIJ3K']) {
      assert.notDeepEqual(optionValueProblems(element, wrong, 'alexa_vendor_id'), [], wrong);
    }
  });
});

describe('translations', () => {
  for (const language of LANGUAGES) {
    test(`${language}.yaml names and describes every option and port, and nothing else`, async () => {
      assert.deepEqual(validateTranslation(await readTranslation(language), await readManifest()), []);
    });
  }

  test('German and Russian are translations, not copies of the English text', async () => {
    const english = descriptions(await readTranslation('en'));
    for (const language of ['de', 'ru']) {
      for (const [key, text] of descriptions(await readTranslation(language))) {
        assert.notEqual(text, english.get(key), `${language}: ${key}`);
      }
    }
    for (const [key, text] of descriptions(await readTranslation('ru'))) {
      assert.match(text, /[а-яё]/i, `ru: ${key} has no Cyrillic`);
    }
  });
});

describe('the rules reject broken manifests', () => {
  const schemaOf = (m: Mapping) => section(m, 'schema');
  const optionsOf = (m: Mapping) => section(m, 'options');
  const cases: Array<[string, (m: Mapping) => void, RegExp]> = [
    ['a missing name', (m) => delete m.name, /^name: required/],
    ['a slug with a space', (m) => (m.slug = 'alexa oauth'), /^slug:/],
    ['an unknown arch', (m) => (m.arch = ['amd64', 'armv8']), /^arch: "armv8"/],
    ['no arch at all', (m) => (m.arch = []), /^arch: required/],
    ['a version that is not one', (m) => (m.version = 'latest'), /^version:/],
    ['an unknown startup', (m) => (m.startup = 'later'), /^startup:/],
    ['an unknown boot', (m) => (m.boot = 'sometimes'), /^boot:/],
    ['a misspelt key', (m) => (m.ingres_port = 8097), /^ingres_port: not a key/],
    ['a quoted boolean', (m) => (m.init = 'false'), /^init: must be true or false/],
    ['a watchdog without [HOST]', (m) => (m.watchdog = 'http://localhost:8096/health'), /^watchdog:/],
    ['a port without a protocol', (m) => (m.ports = { 8096: 8096 }), /^ports: "8096"/],
    ['a host port out of range', (m) => (m.ports = { '8096/tcp': 70000 }), /^ports\.8096\/tcp: 70000/],
    ['a description of an unexposed port', (m) => (m.ports = {}), /^ports_description\.8096\/tcp/],
    ['the ingress port also exposed', (m) => (m.ports = { '8096/tcp': 8096, '8097/tcp': 8097 }), /^ingress_port: 8097 is also exposed/],
    ['the default ingress port exposed', (m) => {
      delete m.ingress_port;
      m.ports = { '8096/tcp': 8096, '8099/tcp': 8099 };
    }, /^ingress_port: 8099 is also exposed/],
    ['an unknown schema element', (m) => (schemaOf(m).log_level = 'integer(0,5)'), /^schema\.log_level: unknown schema element/],
    ['an arch the Supervisor never knew', (m) => (m.arch = ['amd64', 'sparc']), /^arch: "sparc"/],
    ['a secret default shorter than its bound', (m) => {
      schemaOf(m).client_secret = 'password(16,)';
      optionsOf(m).client_secret = 'too-short';
    }, /^options\.client_secret: "too-short" is shorter than 16 characters/],
    ['a pattern that does not compile', (m) => (schemaOf(m).alexa_vendor_id = 'match([A-Z)?'), /^schema\.alexa_vendor_id: unknown/],
    ['a list of lists', (m) => (schemaOf(m).scopes = [['str']]), /a list may not directly contain another list/],
    ['a default below its range', (m) => (optionsOf(m).access_token_ttl = 60), /^options\.access_token_ttl: 60 is below the minimum 360/],
    ['a default above its range', (m) => {
      schemaOf(m).access_token_ttl = 'int(360,86400)';
      optionsOf(m).access_token_ttl = 90000;
    }, /^options\.access_token_ttl: 90000 is above the maximum 86400/],
    ['a fractional int default', (m) => (optionsOf(m).access_token_ttl = 3600.5), /is not an integer/],
    ['a default outside its list', (m) => (optionsOf(m).log_level = 'verbose'), /^options\.log_level: "verbose" is not one of trace/],
    ['a default that does not match', (m) => (optionsOf(m).alexa_vendor_id = 'not-a-vendor'), /does not match/],
    ['a url default that is not a URL', (m) => {
      schemaOf(m).public_url = 'url';
      optionsOf(m).public_url = 'alexa.example.com';
    }, /is not a URL/],
    ['text where a list belongs', (m) => (optionsOf(m).scopes = 'alexa'), /^options\.scopes: is not a list/],
    ['a null default', (m) => (optionsOf(m).client_id = null), /^options\.client_id: a value is required/],
    ['a default without a schema entry', (m) => (optionsOf(m).port = 8096), /^options\.port: has no schema entry/],
  ];

  for (const [name, breakIt, expected] of cases) {
    test(name, async () => {
      const manifest = await readManifest();
      breakIt(manifest);
      assertProblem(validateManifest(manifest), expected);
    });
  }

  test('a translation missing an option, naming an unknown one, or lacking a description', async () => {
    const manifest = await readManifest();
    const translation = await readTranslation('en');
    const configuration = section(translation, 'configuration');
    delete configuration.client_id;
    configuration.client_name = { name: 'Client name', description: 'Not an option.' };
    section(configuration, 'scopes').description = '';
    section(translation, 'network')['8097/tcp'] = 'Not exposed.';
    const problems = validateTranslation(translation, manifest);
    assertProblem(problems, /^configuration\.client_id: missing/);
    assertProblem(problems, /^configuration\.client_name: names an option the schema does not have/);
    assertProblem(problems, /^configuration\.scopes\.description: missing/);
    assertProblem(problems, /^network\.8097\/tcp: is not an exposed port/);
  });

  test('a translation of nested options without their fields', () => {
    const manifest = { schema: { server: { host: 'str', port: 'port' } }, ports: {} };
    const translation = {
      configuration: { server: { name: 'Server', description: 'Where to connect.', fields: { host: { name: 'Host', description: 'Its name.' } } } },
    };
    assert.deepEqual(validateTranslation(translation, manifest), ['configuration.server.fields.port: missing']);
  });
});

describe('deprecations warn, as in the Supervisor', () => {
  const cases: Array<[string, (m: Mapping) => void, string]> = [
    ['a 32-bit arch', (m) => (m.arch = ['amd64', 'armv7']), "uses deprecated 'arch' values: armv7"],
    ['a retired machine', (m) => (m.machine = ['!raspberrypi3', 'generic-x86-64']), "uses deprecated 'machine' values: !raspberrypi3"],
    ['the advanced flag', (m) => (m.advanced = true), "uses the deprecated 'advanced' config field, which is ignored"],
    ['a snapshot_exclude', (m) => (m.snapshot_exclude = ['logs/*']), "uses deprecated config 'snapshot_exclude'; use 'backup_exclude' instead"],
    ['the addon_config map', (m) => (m.map = ['addon_config:rw']), "uses legacy map type 'addon_config'; use 'app_config' instead"],
    ['a startup of before', (m) => (m.startup = 'before'), "uses deprecated 'startup' value 'before'"],
  ];
  for (const [name, deprecate, warning] of cases) {
    test(name, async () => {
      const manifest = await readManifest();
      deprecate(manifest);
      assert.deepEqual(manifestWarnings(manifest), [warning]);
    });
  }

  test('a deprecated arch is still accepted', async () => {
    const manifest = await readManifest();
    manifest.arch = ['amd64', 'armv7'];
    assert.deepEqual(validateManifest(manifest), []);
  });

  test('a build.yaml', () => {
    assert.deepEqual(buildConfigWarnings({ build_from: 'ghcr.io/home-assistant/base:3.22', squash: true }), [
      'uses build.yaml which is deprecated; move build parameters into the Dockerfile directly',
      'squash is ignored: Docker BuildKit does not support it',
    ]);
  });
});

describe('the schema element grammar', () => {
  const accepted = [
    'str', 'str?', 'password', 'bool', 'int', 'int(0,5)', 'int(360,)', 'int(,10)?', 'float', 'float(0.5,2.5)',
    'email', 'url', 'url?', 'port', 'match(^[A-Z0-9]{10,20}$)?', 'list(a|b|c)', 'device', 'device(subsystem=tty)',
    'str(1,)', 'password(8,)', 'password(16,512)',
  ];
  const rejected = [
    '', '?', 'string', 'integer', 'int(-1,)', 'int(1,2,3)', 'float(1.2.3,)', 'list()', 'device(tty)',
    'match(^a$', 'match([)', 'str??',
  ];

  test("accepts the Supervisor's types", () => {
    for (const element of accepted) assert.ok(parseSchemaElement(element), element);
  });

  test('rejects anything else', () => {
    for (const element of rejected) assert.equal(parseSchemaElement(element), undefined, element);
  });

  test('reads bounds, optionality, patterns and choices', () => {
    assert.deepEqual(
      { ...parseSchemaElement('int(360,)') },
      { kind: 'int', optional: false, min: 360, max: undefined, pattern: undefined, choices: undefined },
    );
    assert.equal(parseSchemaElement('match(^a$)?')?.pattern, '^a$');
    assert.equal(parseSchemaElement('match(^a$)?')?.optional, true);
    assert.deepEqual(parseSchemaElement('list(info|warn)')?.choices, ['info', 'warn']);
  });

  test('checks nested option values the way AddonOptions does', () => {
    const element = [{ host: 'str', port: 'port' }];
    assert.deepEqual(optionValueProblems(element, [{ host: 'a', port: 80 }], 'servers'), []);
    assert.deepEqual(optionValueProblems(element, [{ host: 'a', port: 0, extra: 1 }], 'servers'), [
      'servers[0].port: 0 is not a port (1-65535)',
      'servers[0].extra: is not in the schema',
    ]);
  });
});

describe('the daemon reads the options file the Supervisor writes', () => {
  // What the user must add to the defaults before the add-on starts.
  const REQUIRED_VALUES = { public_url: 'https://alexa.example.com', client_secret: 'k'.repeat(32), alexa_vendor_id: 'M2ABCDEFGHIJ3K' };
  let dir: string;
  let files = 0;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'addon-options-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function loadOptions(overrides: Mapping) {
    const file = path.join(dir, `options-${++files}.json`);
    const defaults = section(await readManifest(), 'options');
    await writeFile(file, JSON.stringify({ ...defaults, ...REQUIRED_VALUES, ...overrides }));
    return loadConfig({ file, env: {} });
  }

  // The values where the manifest's schema and the daemon's could disagree.
  function edgeValues(type: ScalarType): unknown[] {
    if (type.kind === 'list') return type.choices ?? [];
    if (type.kind === 'int') return [type.min, type.max].filter((n) => n !== undefined);
    return [];
  }

  test('the defaults, once the required options are filled in', async () => {
    const config = await loadOptions({});
    assert.equal(config.publicUrl, REQUIRED_VALUES.public_url);
    assert.equal(config.clientSecret, REQUIRED_VALUES.client_secret);
    assert.equal(config.clientId, 'alexa');
    assert.equal(config.alexaVendorId, 'M2ABCDEFGHIJ3K');
    assert.deepEqual(config.scopes, ['alexa']);
    assert.deepEqual(config.trustProxy, ['172.30.32.0/23']);
  });

  test("every value at the edge of an option's range", async () => {
    for (const [key, element] of Object.entries(section(await readManifest(), 'schema'))) {
      const type = parseSchemaElement(String(element));
      for (const value of type ? edgeValues(type) : []) {
        await assert.doesNotReject(loadOptions({ [key]: value }), `${key}: ${String(value)}`);
      }
    }
  });
});
