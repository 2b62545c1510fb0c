// The layers of src/ point one way: storage ← oauth/services ← http/admin/cli, with the
// diagnostics above the core as an observer. No import cycle (type-only imports count too:
// they tie the files' meanings together all the same).
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;'"]*?from\s+['"](\.[^'"]+)['"]|(?:^|\n)\s*import\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

/** Each file of src/ (relative, e.g. `oauth/pkce.ts`) and the files of src/ it imports. */
async function importGraph(): Promise<Map<string, Set<string>>> {
  const files = (await readdir(SRC, { recursive: true })).filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'));
  const graph = new Map<string, Set<string>>();
  for (const file of files) {
    const imports = new Set<string>();
    const text = await readFile(join(SRC, file), 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const spec = (match[1] ?? match[2] ?? match[3])!;
      const target = relative(SRC, resolve(SRC, dirname(file), spec.replace(/\.js$/, '.ts')));
      if (files.includes(target)) imports.add(target);
    }
    graph.set(file, imports);
  }
  return graph;
}

/** The cycles, as strongly connected components of more than one file (Tarjan). */
function cycles(graph: Map<string, Set<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file)!) {
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file)!, index.get(next)!));
      }
    }
    if (low.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || graph.get(file)!.has(file)) found.push(component.sort());
  }
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return found;
}

test('src/ has no import cycle', async () => {
  assert.deepEqual(cycles(await importGraph()), []);
});

test('the cycle check finds a cycle when there is one', () => {
  const graph = new Map([
    ['a.ts', new Set(['b.ts'])],
    ['b.ts', new Set(['c.ts'])],
    ['c.ts', new Set(['a.ts'])],
    ['d.ts', new Set(['a.ts'])],
  ]);
  assert.deepEqual(cycles(graph), [['a.ts', 'b.ts', 'c.ts']]);
});

/** Folders a layer must not import from. */
const FORBIDDEN: Record<string, string[]> = {
  'storage/': ['oauth/', 'services/', 'http/', 'admin/', 'cli/', 'diagnostics/', 'views/', 'i18n/', 'context.ts'],
  'oauth/': ['http/', 'admin/', 'cli/', 'diagnostics/', 'views/', 'i18n/'],
  'services/': ['http/', 'admin/', 'cli/', 'diagnostics/', 'views/'],
  'diagnostics/': ['http/', 'admin/', 'cli/', 'views/', 'i18n/'],
  'context.ts': ['diagnostics/'],
};

test('layers point one way: storage ← oauth/services ← http/admin/cli; diagnostics observe the core', async () => {
  const wrong: string[] = [];
  for (const [file, imports] of await importGraph()) {
    for (const [layer, forbidden] of Object.entries(FORBIDDEN)) {
      if (!file.startsWith(layer)) continue;
      for (const target of imports) if (forbidden.some((prefix) => target.startsWith(prefix))) wrong.push(`${file} imports ${target}`);
    }
  }
  assert.deepEqual(wrong, []);
});
