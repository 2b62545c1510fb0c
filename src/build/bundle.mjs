#!/usr/bin/env node
// `npm run bundle`: src/cli.ts and every production dependency into dist/: the entry cli.js and
// the chunks it imports. What the daemon does not need to serve (the admin pages, the doctor and
// its https and tls, the setup page, the daemon itself for a CLI command) sits in chunks loaded
// by `import()` at first use; Node only parses and links what it loads.
// Whitespace and comments go and syntax is folded, but identifiers keep their names: renamed
// ones left 13 MiB more malloc'd memory once V8 had parsed the file (Node 20, measured).
// Plain JavaScript on purpose, like build-if-stale.mjs: it runs before anything is built.
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { build } from 'esbuild';
import { BUILD_RECORD, inputDigests, readBuildRecord, writeBuildRecord } from './buildRecord.mjs';

/**
 * pino-roll takes five functions from date-fns with require(), which resolves to date-fns'
 * CommonJS index: 250 modules, each run in its own wrapper at start-up (about 10 ms of the
 * daemon's start on a quiet machine, measured with --cpu-prof). Its ES module index is the same
 * functions, and bundled it costs nothing to load.
 */
const dateFnsAsModule = {
  name: 'date-fns-as-module',
  setup(builder) {
    builder.onResolve({ filter: /^date-fns$/ }, (args) =>
      args.kind === 'require-call' ? builder.resolve(args.path, { kind: 'import-statement', resolveDir: args.resolveDir }) : undefined,
    );
  },
};

// Read before the build: a source edited while it runs then counts as changed at the next start.
const inputs = inputDigests('.');
const previousOutputs = recordedOutputs();
const { outputFiles } = await build({
  entryPoints: ['src/cli.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outdir: 'dist',
  splitting: true,
  chunkNames: '[name]-[hash]',
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: true,
  logLevel: 'warning',
  // Bundled CommonJS dependencies call require() for Node's built-in modules.
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  plugins: [dateFnsAsModule],
  write: false,
});

// A test may run dist/cli.js, which loads chunks at first use, while another rebuilds (the add-on
// tests): each file is replaced by a rename, so a reader sees the old file or the new one, never
// a half-written one.
mkdirSync('dist', { recursive: true });
for (const { path, contents } of outputFiles) {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, contents, { mode: contents[0] === 0x23 && contents[1] === 0x21 ? 0o755 : 0o644 }); // #! runs
  renameSync(temporary, path);
}

// Chunk names change with their content. A daemon started from the previous build loads its
// admin app and doctor chunks at first use, by their old names, and the upgrade steps build
// before they restart it: the previous build's files stay until the next build, older ones go.
// Removed after the build, not before, for the same reader; the same sources give the same names.
// Another build's file still being written (.tmp) is left to it.
const kept = new Set([...outputFiles.map(({ path }) => resolve(path)), ...previousOutputs.map((output) => resolve(output))]);
kept.add(resolve(BUILD_RECORD));
for (const name of readdirSync('dist')) {
  if (!kept.has(resolve('dist', name)) && !name.endsWith('.tmp')) rmSync(join('dist', name), { recursive: true, force: true });
}
writeBuildRecord('.', inputs, outputFiles.map(({ path }) => relative('.', path)));

/** The files the previous build wrote (`dist/…`), from its dist/build.json; none if it has none. */
function recordedOutputs() {
  try {
    return Object.keys(readBuildRecord('.').outputs ?? {});
  } catch {
    return [];
  }
}
