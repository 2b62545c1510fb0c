import { readFileSync } from 'node:fs';

/** The package version; dist/ sits beside package.json both in the repo and in the image. */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
