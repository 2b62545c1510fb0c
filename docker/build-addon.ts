// `npm run addon`: writes the Home Assistant add-on repository to build/addon/
// (or --out DIR). Its <slug>/ folder is the add-on itself, ready to copy into
// Home Assistant's /addons share; with repository.yaml beside it, the whole
// directory can also be published as an add-on repository.
//
// The Supervisor builds the image from that folder, so the folder carries the
// app's sources under app/, where docker/Dockerfile expects them.
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
  arch: string[];
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// Copied as they are: [path in the repository, path in the add-on folder].
const COPIED: ReadonlyArray<readonly [string, string]> = [
  // The Supervisor reads only config.yaml|yml|json.
  ['addon.yaml', 'config.yaml'],
  ['docker/Dockerfile', 'Dockerfile'],
  ['docker/run.sh', 'run.sh'],
  ['docker/DOCS.md', 'DOCS.md'],
  ['docker/translations', 'translations'],
  ['docker/icon.png', 'icon.png'],
  ['docker/logo.png', 'logo.png'],
  ['CHANGELOG.md', 'CHANGELOG.md'],
  ['package.json', 'app/package.json'],
  ['package-lock.json', 'app/package-lock.json'],
  ['tsconfig.json', 'app/tsconfig.json'],
  ['src', 'app/src'],
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

// One base image per arch, derived from the Dockerfile's own default so the
// two cannot drift apart.
function buildConfig(dockerfile: string, manifest: Manifest): object {
  const amd64Base = /^ARG BUILD_FROM=(\S*\/amd64-\S+)$/m.exec(dockerfile)?.[1];
  if (!amd64Base) throw new Error('docker/Dockerfile needs ARG BUILD_FROM=<registry>/amd64-<image>:<tag>');
  const perArch = manifest.arch.map((arch) => [arch, amd64Base.replace('/amd64-', `/${arch}-`)]);
  return { build_from: Object.fromEntries(perArch) };
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

async function writeAddon(outDir: string): Promise<string> {
  const manifest = await readManifest();
  const addonDir = path.join(outDir, manifest.slug);
  // Start clean so files removed from the repository do not linger.
  await rm(addonDir, { recursive: true, force: true });
  await mkdir(addonDir, { recursive: true });
  for (const [from, to] of COPIED) {
    await cp(path.join(repoRoot, from), path.join(addonDir, to), { recursive: true });
  }
  await chmod(path.join(addonDir, 'run.sh'), 0o755);
  const dockerfile = await readRepoFile('docker/Dockerfile');
  await writeFile(path.join(addonDir, 'build.yaml'), YAML.stringify(buildConfig(dockerfile, manifest)));
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
