// config/: what an operator copies. The example config file and environment
// file name every setting with its default and load as they are; the systemd
// unit passes `systemd-analyze verify` and starts the daemon the way the README
// says. A setting added to src/config/schema.ts but not to the examples fails
// here, naming it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../src/config/load.ts';
import { configSchema, envName, fileKey, settingNames, type SettingName } from '../src/config/schema.ts';
import { repoRoot } from './helpers/addon-source.ts';

// Still read so that old config files start, but retired: the examples leave them out.
const RETIRED: SettingName[] = ['refreshGrace'];
const listed = settingNames.filter((name) => !RETIRED.includes(name));

/** The setting's default as the schema gives it; undefined when it has none (set at load, or optional). */
function schemaDefault(name: SettingName): unknown {
  const parsed = configSchema.shape[name].safeParse(undefined);
  return parsed.success ? parsed.data : undefined;
}

/** How a value is written in the environment: lists comma-separated. */
function envForm(value: unknown): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}

const configFile = (file: string) => path.join(repoRoot, 'config', file);

describe('config/example.json', () => {
  test('names every setting, and nothing else', async () => {
    const example = JSON.parse(await readFile(configFile('example.json'), 'utf8')) as Record<string, unknown>;
    const missing = listed.map(fileKey).filter((key) => !(key in example));
    assert.deepEqual(missing, [], `add these settings to config/example.json: ${missing.join(', ')}`);
    assert.deepEqual(Object.keys(example).sort(), listed.map(fileKey).sort());
  });

  test('gives each its default (null where it has none), and loads as it is', async () => {
    const example = JSON.parse(await readFile(configFile('example.json'), 'utf8')) as Record<string, unknown>;
    for (const name of listed) {
      assert.deepEqual(example[fileKey(name)], schemaDefault(name) ?? null, fileKey(name));
    }
    const config = loadConfig({ file: configFile('example.json'), env: {} });
    for (const name of listed) {
      const expected = schemaDefault(name);
      if (expected !== undefined && name !== 'dataDir') assert.deepEqual(config[name], expected, name);
    }
    assert.equal(config.dataDir, path.resolve('./data'));
  });
});

describe('config/bridge.env.example', () => {
  async function entries(): Promise<Map<string, string>> {
    const text = await readFile(configFile('bridge.env.example'), 'utf8');
    const lines = text.split('\n').filter((line) => /^#[A-Z_]+=/.test(line));
    const map = new Map<string, string>();
    for (const line of lines) {
      const [, name, value] = /^#([A-Z_]+)=(.*)$/.exec(line)!;
      assert.ok(!map.has(name!), `${name} is listed twice`);
      map.set(name!, value!);
    }
    // Everything else is a comment or blank: copying the file changes nothing until a line is uncommented.
    for (const line of text.split('\n')) assert.ok(line === '' || line.startsWith('#'), `not commented out: ${line}`);
    return map;
  }

  test('names every setting, and nothing else', async () => {
    const names = await entries();
    const missing = listed.map(envName).filter((name) => !names.has(name));
    assert.deepEqual(missing, [], `add these settings to config/bridge.env.example: ${missing.join(', ')}`);
    assert.deepEqual([...names.keys()].sort(), listed.map(envName).sort());
  });

  test('gives each its default, or an example where it has none; uncommented, it loads', async () => {
    const names = await entries();
    for (const name of listed) {
      const expected = schemaDefault(name);
      if (expected !== undefined) assert.equal(names.get(envName(name)), envForm(expected), envName(name));
    }
    const config = loadConfig({ env: Object.fromEntries(names) });
    assert.equal(config.publicUrl, names.get('BRIDGE_PUBLIC_URL'));
    assert.equal(config.clientId, names.get('BRIDGE_CLIENT_ID'));
  });
});

describe('config/systemd/alexa-oauth-bridge.service', () => {
  const unit = configFile('systemd/alexa-oauth-bridge.service');

  async function directives(): Promise<Map<string, string[]>> {
    const map = new Map<string, string[]>();
    for (const line of (await readFile(unit, 'utf8')).split('\n')) {
      const match = /^([A-Za-z]+)=(.*)$/.exec(line);
      if (match) map.set(match[1]!, [...(map.get(match[1]!) ?? []), match[2]!]);
    }
    return map;
  }

  test('passes systemd-analyze verify without a warning', async (t) => {
    const probe = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
    if (probe.error) {
      t.skip('systemd-analyze is not installed (Debian package systemd)');
      return;
    }
    // verify checks that ExecStart's program exists; the unit names /usr/bin/node.
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bridge-unit-'));
    try {
      const copy = path.join(dir, 'alexa-oauth-bridge.service');
      await writeFile(copy, await readFile(unit));
      const result = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8', timeout: 60_000 });
      if (/Failed to (?:connect|initialize)|Operation not permitted|No such file or directory.*systemd/i.test(result.stderr) && result.status !== 0) {
        t.skip(`systemd-analyze cannot run here: ${result.stderr.trim().split('\n')[0]}`);
        return;
      }
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stderr.trim(), '', 'systemd-analyze warned');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('runs serve as its own user, restarts on failure, keeps its state in its StateDirectory', async () => {
    const d = await directives();
    assert.deepEqual(d.get('User'), ['alexa-oauth-bridge']);
    assert.deepEqual(d.get('Restart'), ['on-failure']);
    assert.deepEqual(d.get('StateDirectory'), ['alexa-oauth-bridge']);
    // ProtectSystem=strict leaves only the StateDirectory writable: the data dir must be it.
    assert.deepEqual(d.get('Environment'), ['BRIDGE_DATA_DIR=/var/lib/alexa-oauth-bridge']);
    assert.deepEqual(d.get('EnvironmentFile'), ['-/etc/alexa-oauth-bridge/bridge.env']);
    assert.match(d.get('ExecStart')?.[0] ?? '', /^\/usr\/bin\/node \/opt\/alexa-oauth-bridge\/dist\/cli\.js serve$/);
    for (const hardening of ['NoNewPrivileges', 'ProtectSystem', 'ProtectHome', 'PrivateTmp', 'RestrictAddressFamilies', 'SystemCallFilter']) {
      assert.ok(d.has(hardening), `${hardening} is set`);
    }
  });
});
