import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from './helpers/bridge.ts';
import { runCli, startServe } from './helpers/cli.ts';
import { REPO_ROOT } from './helpers/daemon-process.ts';

// The README and the start message told people to run `npx alexa-oauth-bridge …`, piping a
// password into it; outside the project folder npx asks the public registry for that name. Every
// place that names the CLI now says `node dist/cli.js`, which can only run this folder's build.

test('the usage line, the start message and the documents name node dist/cli.js, never npx', async (t) => {
  const help = await runCli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: node dist\/cli\.js \[options\] \[command\]$/m);
  const update = await runCli(['client', 'update', '--help']);
  assert.match(update.stdout, /^Usage: node dist\/cli\.js client update \[options\] <client_id>$/m);

  const dataDir = await tempDir();
  const daemon = await startServe(dataDir, { BRIDGE_ADMIN_PORT: 'off' });
  t.after(() => daemon.stop());
  assert.match(daemon.output.stderr, /^ {4}node dist\/cli\.js --data-dir (?:'.*'|\S+) client add alexa --alexa-vendor-id YOUR_VENDOR_ID/m);
  assert.match(daemon.output.stderr, /\| node dist\/cli\.js --data-dir (?:'.*'|\S+) user add alice --password-stdin/);
  assert.doesNotMatch(daemon.output.stderr, /npx/);

  for (const file of ['README.md', 'docker/DOCS.md']) {
    const text = await readFile(join(REPO_ROOT, file), 'utf8');
    // The one mention is the README's warning against it.
    const npx = text.split('\n').filter((line) => /npx alexa-oauth-bridge/.test(line) && !/Do not use `npx alexa-oauth-bridge`/.test(line));
    assert.deepEqual(npx, [], `${file} tells people to run npx`);
    // Links only to what ships: nothing outside the repository.
    assert.deepEqual(text.match(/\]\(\.\.\/[^)]*\)/g) ?? [], [], `${file} links outside the repository`);
  }
});
