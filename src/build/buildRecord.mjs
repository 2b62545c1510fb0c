// What a build read and wrote, by content: `npm run bundle` writes dist/build.json, and `npm start`
// (build-if-stale.mjs) rebuilds when it no longer matches. Modification times are not enough:
// `tar x`, `cp -a` and `rsync -a` give changed sources an older time than the last build, a clock
// that was ahead at the build hides every later edit, and a chunk deleted or cut short by an
// interrupted write leaves dist/cli.js's time as it was.
// Plain JavaScript on purpose, like the two scripts that use it: it runs before anything is built.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What the build reads: every file under src/, the compiler's settings, the package (its `type`
 * and `overrides`) and the installed dependencies (bundled in; npm rewrites
 * node_modules/.package-lock.json at every install).
 */
const INPUTS = ['src', 'tsconfig.json', 'package.json', 'package-lock.json', 'node_modules/.package-lock.json'];
/** Relative to the project root. */
export const BUILD_RECORD = join('dist', 'build.json');

/** SHA-256 (hex) of `path` under `root`: a file's bytes, or a folder's file names and bytes, recursively; 'absent' if missing. */
function digest(root, path) {
  const hash = createHash('sha256');
  const add = (relative) => {
    const full = join(root, relative);
    let stats;
    try {
      stats = statSync(full);
    } catch {
      return false;
    }
    if (stats.isDirectory()) {
      for (const name of readdirSync(full).sort()) add(join(relative, name));
    } else {
      hash.update(`${relative}\0${stats.size}\0`).update(readFileSync(full));
    }
    return true;
  };
  return add(path) ? hash.digest('hex') : 'absent';
}

/** `{ [input]: sha256 hex }` for each input of the build, read from `root` now. */
export function inputDigests(root) {
  return Object.fromEntries(INPUTS.map((input) => [input, digest(root, input)]));
}

/**
 * Records a finished build: `inputs` as inputDigests() read them before it started (a source
 * edited during the build then counts as changed), `outputs` the files it wrote, relative to
 * `root` (e.g. `dist/cli.js`). Written to a temporary file and renamed, so it is whole or absent.
 */
export function writeBuildRecord(root, inputs, outputs) {
  const record = { inputs, outputs: Object.fromEntries(outputs.sort().map((output) => [output, digest(root, output)])) };
  // Beside dist/, not in it: a build running at the same time (the add-on tests build too)
  // removes from dist/ every file it did not write.
  const temporary = join(root, `.build.json.${process.pid}.tmp`);
  writeFileSync(temporary, `${JSON.stringify(record, null, 1)}\n`);
  renameSync(temporary, join(root, BUILD_RECORD));
}

/** The last build's record, `{ inputs, outputs }` as writeBuildRecord() wrote it; throws as readFileSync/JSON.parse do. */
export function readBuildRecord(root) {
  return JSON.parse(readFileSync(join(root, BUILD_RECORD), 'utf8'));
}

/**
 * Why `root` needs a build (a sentence), or undefined when dist/ holds, byte for byte, what the
 * last build wrote from inputs that are still the same.
 */
export function staleReason(root) {
  let record;
  try {
    record = readBuildRecord(root);
  } catch (error) {
    if (error.code !== 'ENOENT') return `${BUILD_RECORD} cannot be read (${error.message})`;
    return digest(root, join('dist', 'cli.js')) === 'absent' ? 'dist/cli.js does not exist yet' : `dist/ has no ${BUILD_RECORD} from npm run build`;
  }
  for (const [input, was] of Object.entries(inputDigests(root))) {
    if (record.inputs?.[input] !== was) return `${input} changed since the last build`;
  }
  for (const [output, was] of Object.entries(record.outputs ?? {})) {
    const now = digest(root, output);
    if (now !== was) return now === 'absent' ? `${output} is missing` : `${output} is not what the last build wrote`;
  }
  return record.outputs?.[join('dist', 'cli.js')] ? undefined : `${BUILD_RECORD} names no dist/cli.js`;
}
