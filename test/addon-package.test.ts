// `npm run addon` (docker/build-addon.ts), run into a temporary directory, and
// the add-on folder it writes: what the Supervisor and the image build need.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { builtScripts } from './helpers/build-record.ts';
import { LANGUAGES, readManifest, readYaml, repoRoot } from './helpers/addon-source.ts';
import { isMapping, isUrl, manifestWarnings, validateManifest } from './helpers/supervisor-rules.ts';

const SLUG = 'alexa_oauth_bridge';

// Everything the add-on folder must hold.
const ADDON_FILES = [
  'config.yaml', 'Dockerfile', 'apparmor.txt', 'run.sh', 'DOCS.md', 'README.md', 'CHANGELOG.md',
  'icon.png', 'logo.png', ...LANGUAGES.map((language) => `translations/${language}.yaml`),
  'app/package.json', 'app/dist/cli.js',
];

// Copied from the repository unchanged: [path in the repository, path in the add-on].
const COPIED_UNCHANGED = [
  ['docker/Dockerfile', 'Dockerfile'],
  ['docker/apparmor.txt', 'apparmor.txt'],
  ['docker/run.sh', 'run.sh'],
  ['docker/DOCS.md', 'DOCS.md'],
  ['docker/icon.png', 'icon.png'],
  ['docker/logo.png', 'logo.png'],
  ['CHANGELOG.md', 'CHANGELOG.md'],
  ['package.json', 'app/package.json'],
  ...LANGUAGES.map((language) => [`docker/translations/${language}.yaml`, `translations/${language}.yaml`]),
];

function runBuilder(outDir: string): void {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'docker/build-addon.ts', '--out', outDir], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, `build-addon failed: ${result.stderr}`);
}

/** The files of the same folder that a bundled script imports, statically or with `import()`. */
function relativeImports(script: string): string[] {
  return [...script.matchAll(/\b(?:from|import)\s*\(?\s*["']\.\/([^"']+\.js)["']/g)].map((match) => match[1]!);
}

/** Width and height from a PNG's IHDR chunk, which must come first. */
async function pngSize(file: string): Promise<{ width: number; height: number }> {
  const bytes = await readFile(file);
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${file}: not a PNG`);
  assert.equal(bytes.toString('ascii', 12, 16), 'IHDR', `${file}: IHDR is not the first chunk`);
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** The instructions of a Dockerfile, continuation lines joined and comments dropped. */
function dockerInstructions(dockerfile: string): string[] {
  return dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** The build-context paths that COPY reads (COPY --from reads another stage). */
function copySources(dockerfile: string): string[] {
  return dockerInstructions(dockerfile)
    .filter((line) => /^COPY\s/i.test(line) && !/\s--from=/.test(line))
    .flatMap((line) => {
      const args = line.split(/\s+/).slice(1).filter((arg) => !arg.startsWith('--'));
      return args.slice(0, -1);
    });
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}

function commandExists(command: string): boolean {
  return spawnSync(command, ['--version'], { stdio: 'ignore' }).error === undefined;
}

describe('npm run addon', () => {
  let outDir: string;
  let addonDir: string;
  const inAddon = (file: string) => path.join(addonDir, file);

  before(async () => {
    outDir = await mkdtemp(path.join(os.tmpdir(), 'addon-package-'));
    addonDir = path.join(outDir, SLUG);
    runBuilder(outDir);
  });
  after(() => rm(outDir, { recursive: true, force: true }));

  test('writes every file the Supervisor and the image build need', async () => {
    for (const file of ADDON_FILES) await assert.doesNotReject(stat(inAddon(file)), file);
  });

  test("writes config.yaml as addon.yaml, passing the Supervisor's rules without a deprecation warning", async () => {
    const config = await readManifest(inAddon('config.yaml'));
    assert.deepEqual(config, await readManifest());
    assert.deepEqual(validateManifest(config), []);
    assert.deepEqual(manifestWarnings(config), []);
  });

  test('copies the docs, translations, images and app manifests unchanged', async () => {
    for (const [from, to] of COPIED_UNCHANGED) {
      assert.ok((await readFile(path.join(repoRoot, from))).equals(await readFile(inAddon(to))), `${to} differs from ${from}`);
    }
  });

  test('carries the app built, not its sources: the bundle of the current sources and package.json', async () => {
    const scripts = builtScripts(repoRoot);
    assert.ok(scripts.includes('cli.js'));
    assert.deepEqual(await listFiles(inAddon('app')), [...scripts.map((name) => `dist/${name}`), 'package.json']);
    for (const name of scripts) {
      assert.ok((await readFile(path.join(repoRoot, 'dist', name))).equals(await readFile(inAddon(`app/dist/${name}`))), `app/dist/${name} differs`);
    }
    // The bundle runs where it lands, beside its package.json, with no node_modules.
    const version = spawnSync(process.execPath, [inAddon('app/dist/cli.js'), '--version'], { encoding: 'utf8' });
    assert.equal(version.status, 0, version.stderr);
    assert.equal(version.stdout.trim(), (await readManifest()).version);
  });

  test('carries every chunk the CLI can load, also those it loads only at first use', async () => {
    const shipped = new Set(await readdir(inAddon('app/dist')));
    const reachable = new Set(['cli.js']);
    for (const name of reachable) {
      assert.ok(shipped.has(name), `app/dist/${name} is imported but not in the add-on`);
      for (const imported of relativeImports(await readFile(inAddon(`app/dist/${name}`), 'utf8'))) reachable.add(imported);
    }
    assert.ok([...reachable].some((name) => name.startsWith('adminApp-')), 'the admin app is a chunk of its own, loaded at first use');
    assert.deepEqual([...shipped].filter((name) => !reachable.has(name)), [], 'shipped but never imported');
  });

  test('makes run.sh executable, handing over to node with exec', async () => {
    assert.equal((await stat(inAddon('run.sh'))).mode & 0o111, 0o111);
    const lines = (await readFile(inAddon('run.sh'), 'utf8')).split('\n').map((line) => line.trim());
    const commands = lines.filter((line) => line !== '' && !line.startsWith('#'));
    assert.match(commands.at(-1) ?? '', /^exec node /);
  });

  test('ships a 128×128 icon and a 250×100 logo', async () => {
    assert.deepEqual(await pngSize(inAddon('icon.png')), { width: 128, height: 128 });
    assert.deepEqual(await pngSize(inAddon('logo.png')), { width: 250, height: 100 });
  });

  test("finds every COPY source of the Dockerfile in the add-on folder", async () => {
    const sources = copySources(await readFile(inAddon('Dockerfile'), 'utf8'));
    assert.ok(sources.length > 0, 'the Dockerfile copies nothing from its context');
    for (const source of sources) await assert.doesNotReject(stat(inAddon(source)), source);
  });

  test('writes no build.yaml (deprecated): the Dockerfile names one multi-arch base with a pinned tag', async () => {
    await assert.rejects(stat(inAddon('build.yaml')), { code: 'ENOENT' });
    const defaultBase = /^ARG BUILD_FROM=(\S+)$/m.exec(await readFile(inAddon('Dockerfile'), 'utf8'))?.[1];
    assert.match(defaultBase ?? '', /^ghcr\.io\/home-assistant\/base:\d+\.\d+$/);
  });

  test("labels the image with the manifest's name and description", async () => {
    const manifest = await readManifest();
    const dockerfile = await readFile(inAddon('Dockerfile'), 'utf8');
    assert.equal(/io\.hass\.name="([^"]*)"/.exec(dockerfile)?.[1], manifest.name);
    assert.equal(/io\.hass\.description="([^"]*)"/.exec(dockerfile)?.[1], manifest.description);
  });

  test('writes repository.yaml with a name and a URL', async () => {
    const repository = await readYaml(path.join(outDir, 'repository.yaml'));
    assert.ok(isMapping(repository));
    assert.equal(typeof repository.name, 'string');
    assert.ok(isUrl(repository.url), `url: ${String(repository.url)}`);
  });

  test('replaces what an earlier build left behind', async () => {
    const stale = inAddon('app/dist/removed-since.js');
    await writeFile(stale, '');
    runBuilder(outDir);
    await assert.rejects(stat(stale), { code: 'ENOENT' });
  });
});

describe('run.sh', () => {
  const script = path.join(repoRoot, 'docker', 'run.sh');

  test('passes shellcheck', (t) => {
    if (!commandExists('shellcheck')) {
      t.skip('shellcheck is not installed (apt package shellcheck)');
      return;
    }
    const result = spawnSync('shellcheck', ['--shell=sh', script], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stdout);
  });

  test('serves without --config when the Supervisor wrote no options file', async (t) => {
    if (await stat('/data/options.json').then(() => true, () => false)) {
      t.skip('this machine has a /data/options.json');
      return;
    }
    // A stand-in `node` on PATH shows what run.sh hands over.
    const bin = await mkdtemp(path.join(os.tmpdir(), 'addon-run-'));
    try {
      await writeFile(path.join(bin, 'node'), '#!/bin/sh\necho "$@"\n');
      await chmod(path.join(bin, 'node'), 0o755);
      const result = spawnSync('sh', [script], { encoding: 'utf8', env: { PATH: `${bin}:/usr/bin:/bin` } });
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stdout.trim(), '/app/dist/cli.js serve --wait-for-config');
    } finally {
      await rm(bin, { recursive: true, force: true });
    }
  });
});

describe('apparmor.txt', () => {
  const profile = path.join(repoRoot, 'docker', 'apparmor.txt');

  test('holds one top-level profile, as the Supervisor requires (supervisor/utils/apparmor.py)', async () => {
    const names = (await readFile(profile, 'utf8')).split('\n').flatMap((line) => /^profile ([^ ]+).*$/.exec(line)?.[1] ?? []);
    assert.deepEqual(names, [SLUG]);
  });

  test('compiles with apparmor_parser', (t) => {
    if (!commandExists('apparmor_parser')) {
      t.skip('apparmor_parser is not installed (apt package apparmor)');
      return;
    }
    // -Q: compile only, load nothing into the kernel; -K: no cache.
    const result = spawnSync('apparmor_parser', ['-Q', '-K', profile], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
  });
});

describe('the nginx example', () => {
  test('publishes only the OAuth paths and answers 404 to everything else', async () => {
    const conf = await readFile(path.join(repoRoot, 'config', 'nginx', 'alexa-oauth-bridge.conf'), 'utf8');
    const locations = [...conf.matchAll(/^\s*location\s+([^{]+?)\s*\{([^}]*)\}/gm)].map(([, where, body]) => [
      where,
      (body ?? '').replace(/\s+/g, ' ').trim(),
    ]);
    assert.deepEqual(locations.map(([where]) => where).sort(), [
      '/',
      '/alexa/',
      '= /.well-known/oauth-authorization-server',
      '= /health',
    ]);
    assert.deepEqual(locations.find(([where]) => where === '/'), ['/', 'return 404;']);
  });
});
