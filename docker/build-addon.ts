// `npm run addon`: writes the Home Assistant add-on repository to build/addon/
// (or --out DIR). Its <slug>/ folder is the add-on itself, ready to copy into
// Home Assistant's /addons share; with repository.yaml beside it, the whole
// directory can also be published as an add-on repository.
//
// The Supervisor builds the image from that folder on the Home Assistant host.
// So that the host installs nothing from npm and runs no compiler, the folder
// carries the app already built under app/: the esbuild bundle (every
// production dependency inlined; `npm run bundle`) and package.json, which
// the bundle reads its version from.
import { spawnSync } from 'node:child_process';
import { chmod, cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import YAML from 'yaml';

interface Manifest {
  name: string;
  version: string;
  slug: string;
  description: string;
  url: string;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// Copied as they are: [path in the repository, path in the add-on folder].
const COPIED: ReadonlyArray<readonly [string, string]> = [
  // The Supervisor reads only config.yaml|yml|json.
  ['addon.yaml', 'config.yaml'],
  ['docker/Dockerfile', 'Dockerfile'],
  ['docker/apparmor.txt', 'apparmor.txt'],
  ['docker/run.sh', 'run.sh'],
  ['docker/DOCS.md', 'DOCS.md'],
  ['docker/translations', 'translations'],
  ['docker/icon.png', 'icon.png'],
  ['docker/logo.png', 'logo.png'],
  ['CHANGELOG.md', 'CHANGELOG.md'],
  ['package.json', 'app/package.json'],
];

function outDirFromArgs(): string {
  const { values } = parseArgs({ options: { out: { type: 'string' } } });
  return path.resolve(values.out ?? path.join(repoRoot, 'build', 'addon'));
}

async function readRepoFile(file: string): Promise<string> {
  return readFile(path.join(repoRoot, file), 'utf8');
}

async function readManifest(): Promise<Manifest> {
  const manifest = YAML.parse(await readRepoFile('addon.yaml')) as Manifest;
  const pkg = JSON.parse(await readRepoFile('package.json')) as { version: string };
  // A release bumps package.json; an add-on left on the old version would
  // never be offered as an update.
  if (manifest.version !== pkg.version) {
    throw new Error(`addon.yaml has version ${manifest.version}, package.json ${pkg.version}`);
  }
  // The slug becomes a directory name below --out.
  if (!/^[\w-]+$/.test(manifest.slug)) throw new Error(`addon.yaml: unusable slug "${manifest.slug}"`);
  return manifest;
}

// Shown in the add-on store before installation.
function addonReadme(manifest: Manifest): string {
  return [
    `# ${manifest.name}`,
    '',
    manifest.description,
    '',
    'Installation, every option, the Alexa developer console settings and',
    'troubleshooting are in the Documentation tab (DOCS.md).',
    '',
    `Project: ${manifest.url}`,
    '',
  ].join('\n');
}

function repositoryConfig(manifest: Manifest): object {
  return { name: `${manifest.name} add-ons`, url: manifest.url, maintainer: `${manifest.name} contributors` };
}

/** `npm run bundle`: dist/cli.js and the chunks it loads, from the current sources. */
function bundle(): void {
  const result = spawnSync('npm', ['run', '--silent', 'bundle'], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`npm run bundle failed (${result.error?.message ?? `exit ${String(result.status)}`})`);
}

async function writeAddon(outDir: string): Promise<string> {
  const manifest = await readManifest();
  const addonDir = path.join(outDir, manifest.slug);
  bundle();
  // Start clean so files removed from the repository do not linger.
  await rm(addonDir, { recursive: true, force: true });
  await mkdir(addonDir, { recursive: true });
  for (const [from, to] of COPIED) {
    await cp(path.join(repoRoot, from), path.join(addonDir, to), { recursive: true });
  }
  // The bundle: cli.js and every chunk it imports, as dist/build.json lists what the build just
  // wrote (dist/ also keeps the previous build's chunks for a daemon still running them); the
  // source maps (5 MB) stay behind.
  await mkdir(path.join(addonDir, 'app', 'dist'));
  const record = JSON.parse(await readFile(path.join(repoRoot, 'dist', 'build.json'), 'utf8')) as { outputs: Record<string, string> };
  for (const script of Object.keys(record.outputs).filter((name) => name.endsWith('.js'))) {
    await cp(path.join(repoRoot, script), path.join(addonDir, 'app', script));
  }
  await chmod(path.join(addonDir, 'run.sh'), 0o755);
  await writeFile(path.join(addonDir, 'README.md'), addonReadme(manifest));
  await writeFile(path.join(outDir, 'repository.yaml'), YAML.stringify(repositoryConfig(manifest)));
  return addonDir;
}

try {
  console.log(`add-on written to ${await writeAddon(outDirFromArgs())}`);
} catch (error) {
  console.error(`build-addon: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
