// Where the add-on's sources live, and how the tests read them.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { isMapping } from './supervisor-rules.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The languages the add-on's configuration is translated into. */
export const LANGUAGES = ['en', 'de', 'ru'];

export async function readYaml(file: string): Promise<unknown> {
  return YAML.parse(await readFile(path.resolve(repoRoot, file), 'utf8'));
}

/** addon.yaml, as a mapping (the tests fail loudly if it is not one). */
export async function readManifest(file = 'addon.yaml'): Promise<Record<string, unknown>> {
  const manifest = await readYaml(file);
  if (!isMapping(manifest)) throw new Error(`${file} is not a mapping`);
  return manifest;
}

/**
 * The `/data/options.json` the Supervisor writes for a user who filled in `filled`: the
 * manifest's option defaults with the user's values on top.
 */
export async function addonOptionsFile(filled: Record<string, unknown>): Promise<Record<string, unknown>> {
  const defaults = (await readManifest())['options'];
  if (!isMapping(defaults)) throw new Error('addon.yaml has no options mapping');
  return { ...defaults, ...filled };
}
