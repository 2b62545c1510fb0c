// A stand-in for the Home Assistant base image, which cannot be pulled here (no
// image registry is reachable). The add-on's Dockerfile is built unchanged on
// top of it; only BUILD_FROM names this image instead, as the Supervisor would
// pass it. What the real base (ghcr.io/home-assistant/base: Alpine, s6-overlay,
// bashio, busybox) provides and the add-on uses is stood in, minimally:
//
// - Debian's minbase rootfs (debootstrap) in place of Alpine, with wget for
//   the HEALTHCHECK (busybox wget in the real base);
// - this machine's Node.js binary (and any shared library it needs that the
//   rootfs lacks) and npm, in place of Alpine's nodejs and npm packages;
// - `apk`: a script that accepts `apk add [--no-cache] nodejs npm` when those
//   are present and fails on anything else;
// - `/init`: s6-overlay's entrypoint, here a script that execs the command, so
//   the daemon receives a stop's SIGTERM directly (S6_CMD_RECEIVE_SIGNALS) and
//   its exit status becomes the container's, as with s6-overlay;
// - this machine's CA bundle, so npm reaches the registry through any
//   TLS-intercepting proxy (NODE_EXTRA_CA_CERTS).
//
// The rootfs is cached as a tarball keyed by this recipe, outside the
// repository (ALEXA_OAUTH_BRIDGE_TEST_CACHE, else /var/cache/alexa-oauth-bridge-test),
// so only the first run pays for debootstrap.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, copyFile, cp, mkdir, mkdtemp, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ContainerEngine } from './container-engine.ts';

const exec = promisify(execFile);

const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
const MIRROR = 'http://deb.debian.org/debian';
const PACKAGES = ['wget', 'ca-certificates'];

const APK = `#!/bin/sh
# Stand-in for Alpine's apk (see test/helpers/addon-base-standin.ts).
set -eu
if [ "\${1:-}" != add ]; then echo "apk stand-in: only 'apk add' is stood in" >&2; exit 1; fi
shift
for arg in "$@"; do
  case "$arg" in
    --no-cache) ;;
    nodejs) command -v node > /dev/null ;;
    npm) command -v npm > /dev/null ;;
    *) echo "apk stand-in: no stand-in for '$arg'" >&2; exit 1 ;;
  esac
done
`;

const INIT = `#!/bin/sh
# Stand-in for s6-overlay's /init (see test/helpers/addon-base-standin.ts).
exec "$@"
`;

export const cacheDir = process.env.ALEXA_OAUTH_BRIDGE_TEST_CACHE ?? '/var/cache/alexa-oauth-bridge-test';

async function debianSuite(): Promise<string> {
  const release = await readFile('/etc/os-release', 'utf8').catch(() => '');
  return /^VERSION_CODENAME=(\w+)$/m.exec(release)?.[1] ?? 'bookworm';
}

async function npmDir(): Promise<string> {
  const { stdout } = await exec('npm', ['root', '-g']);
  return path.join(stdout.trim(), 'npm');
}

/** Shared libraries the node binary loads, as absolute paths (ldd's "=> /path" and the loader). */
async function nodeLibraries(): Promise<string[]> {
  const { stdout } = await exec('ldd', [process.execPath]);
  return [...stdout.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((match) => match[1]!);
}

async function recipe(): Promise<{ key: string; suite: string; npm: string; libraries: string[] }> {
  const suite = await debianSuite();
  const npm = await npmDir();
  const npmVersion = (JSON.parse(await readFile(path.join(npm, 'package.json'), 'utf8')) as { version: string }).version;
  const libraries = await nodeLibraries();
  const hash = createHash('sha256')
    .update(JSON.stringify([suite, MIRROR, PACKAGES, process.version, npmVersion, libraries, APK, INIT]))
    .update(await readFile(CA_BUNDLE).catch(() => Buffer.alloc(0)))
    .digest('hex')
    .slice(0, 16);
  return { key: `addon-base-standin-${suite}-${hash}`, suite, npm, libraries };
}

const exists = (file: string) => stat(file).then(() => true, () => false);

async function buildRootfs(rootfs: string, suite: string, npm: string, libraries: string[]): Promise<void> {
  await exec('debootstrap', ['--variant=minbase', `--include=${PACKAGES.join(',')}`, suite, rootfs, MIRROR], {
    maxBuffer: 64 * 1024 * 1024,
    timeout: 20 * 60_000,
  });
  const inRoot = (file: string) => path.join(rootfs, file);
  await copyFile(process.execPath, inRoot('usr/bin/node'));
  await chmod(inRoot('usr/bin/node'), 0o755);
  for (const library of libraries) {
    if (!(await exists(inRoot(library)))) {
      await mkdir(path.dirname(inRoot(library)), { recursive: true });
      await copyFile(library, inRoot(library));
    }
  }
  await cp(npm, inRoot('usr/lib/node_modules/npm'), { recursive: true, dereference: true });
  await symlink('../lib/node_modules/npm/bin/npm-cli.js', inRoot('usr/bin/npm'));
  await symlink('../lib/node_modules/npm/bin/npx-cli.js', inRoot('usr/bin/npx'));
  if (await exists(CA_BUNDLE)) await copyFile(CA_BUNDLE, inRoot('etc/ssl/certs/ca-certificates.crt'));
  await writeFile(inRoot('sbin/apk'), APK, { mode: 0o755 });
  await writeFile(inRoot('init'), INIT, { mode: 0o755 });
  // Leave out what a debootstrap keeps for later apt runs.
  await rm(inRoot('var/cache/apt/archives'), { recursive: true, force: true });
  await mkdir(inRoot('var/cache/apt/archives/partial'), { recursive: true });
}

/** The stand-in base as an image tag on `engine`: imported from the cache, built into it first if missing. */
export async function standInBase(engine: ContainerEngine, log: (line: string) => void): Promise<string> {
  const { key, suite, npm, libraries } = await recipe();
  const tag = `${key}:latest`;
  if ((await engine.docker(['image', 'inspect', tag])).status === 0) return tag;
  const tarball = path.join(cacheDir, `${key}.tar`);
  if (!(await exists(tarball))) {
    log(`building the stand-in base image (debootstrap ${suite}) into ${tarball}`);
    await mkdir(cacheDir, { recursive: true });
    const work = await mkdtemp(path.join(cacheDir, 'building-'));
    try {
      const rootfs = path.join(work, 'rootfs');
      await buildRootfs(rootfs, suite, npm, libraries);
      await exec('tar', ['--numeric-owner', '-C', rootfs, '-cf', path.join(work, 'rootfs.tar'), '.'], { maxBuffer: 64 * 1024 * 1024 });
      await rename(path.join(work, 'rootfs.tar'), tarball);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
  await engine.dockerOk(
    [
      'import',
      '--change', 'ENTRYPOINT ["/init"]',
      '--change', `ENV NODE_EXTRA_CA_CERTS=${CA_BUNDLE}`,
      '--change', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      tarball,
      tag,
    ],
    { timeoutMs: 10 * 60_000 },
  );
  return tag;
}
