import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The script files (`cli.js`, `serve-<hash>.js`, …) that the last build of `root` wrote, as its
 * dist/build.json lists them. dist/ also holds the previous build's files, for a daemon still
 * running them, so a listing of the folder is not the build.
 */
export function builtScripts(root: string): string[] {
  const { outputs } = JSON.parse(readFileSync(path.join(root, 'dist', 'build.json'), 'utf8')) as { outputs: Record<string, string> };
  return Object.keys(outputs)
    .map((output) => path.basename(output))
    .filter((name) => name.endsWith('.js'))
    .sort();
}
