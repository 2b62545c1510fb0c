#!/usr/bin/env node
// `npm start` runs this first: it builds dist/cli.js only when a source is newer than it, so a
// built tree starts in about a second instead of type-checking and bundling every time.
// Plain JavaScript on purpose: it must run before anything is built.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What the build reads: every file under src/, the compiler's settings, and the installed
 * dependencies (bundled in; npm rewrites node_modules/.package-lock.json at every install).
 */
const INPUTS = ['src', 'tsconfig.json', 'package-lock.json', 'node_modules/.package-lock.json'];
const OUTPUT = join('dist', 'cli.js');

/** The newest modification time (ms) of `path`, a file or a folder searched recursively; 0 if absent. */
function newestMtime(path) {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    return 0;
  }
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = stats.mtimeMs; // a deleted source file shows only as a newer folder
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** Why `root` needs a build (a sentence), or undefined when dist/cli.js is newer than every input. */
export function staleReason(root) {
  const built = newestMtime(join(root, OUTPUT));
  if (built === 0) return `${OUTPUT} does not exist yet`;
  for (const input of INPUTS) {
    if (newestMtime(join(root, input)) > built) return `${input} changed since the last build`;
  }
  return undefined;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(fileURLToPath(import.meta.url), '../../..');
  const reason = staleReason(root);
  if (reason) {
    process.stderr.write(`Building: ${reason}.\n`);
    const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
    const build = spawnSync(npm[0], [...npm.slice(1), 'run', 'build'], { cwd: root, stdio: 'inherit' });
    process.exit(build.status ?? 1);
  }
}
