#!/usr/bin/env node
// `npm start` runs this first: it builds only when dist/ is not what a build of the current
// sources wrote (buildRecord.mjs), so a built tree starts in about a second instead of
// type-checking and bundling every time.
// Plain JavaScript on purpose: it must run before anything is built.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { staleReason } from './buildRecord.mjs';

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
