// /health must say what is true. A data dir that refuses new entries (chattr +i: even root gets
// EPERM from access(W_OK) and cannot create files) while its existing journals still take appends:
// refreshes succeed, so /health must not answer 503 from a permission check.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { authorizeQuery } from './helpers/http.ts';
import { DaemonProcess, httpSender, OAuthClient, runCli, seedAlexaWithCli, tempDir } from './helpers/daemon-process.ts';

const run = promisify(execFile);

test('a data dir that refuses new files while writes to its journals succeed: /health answers 200, then says why once a write fails', async (t) => {
  const dataDir = await tempDir('bridge-immutable-');
  await seedAlexaWithCli(dataDir);
  const daemon = await DaemonProcess.start({ dataDir });
  t.after(() => daemon.stop());
  const client = new OAuthClient(httpSender(daemon.url));
  const tokens = await client.link(authorizeQuery());
  // Every journal the traffic below appends to exists before the dir is frozen (flow records are
  // written at most once a second, so theirs may take that long to appear).
  for (const deadline = Date.now() + 10_000; ; ) {
    const names = await readdir(dataDir);
    if (names.includes('grants.journal') && names.includes('flows.journal')) break;
    assert.ok(Date.now() < deadline, `journals in the data dir: ${names.join(', ')}`);
    // A page view is a flow step; a later commit of the flow records appends to their journal.
    await client.page(authorizeQuery());
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  try {
    await run('chattr', ['+i', dataDir]);
  } catch (error) {
    return t.skip(`chattr +i is not possible here (needs root and a file system that supports it): ${String(error).split('\n')[0]}`);
  }
  t.after(() => run('chattr', ['-i', dataDir]));

  // A refresh is a journal append: it works.
  const refreshed = await client.refresh(tokens.refresh_token);
  assert.equal(refreshed.status, 200, refreshed.text);
  const health = await fetch(`${daemon.url}/health`);
  assert.equal(health.status, 200, await health.clone().text());
  assert.equal(((await health.json()) as Record<string, unknown>)['storage'], 'writable');

  // A new local user needs a new file (users.journal does not exist yet): that write fails, and /health says so.
  const user = await runCli(['user', 'add', 'bob', '--password-stdin'], { dataDir, input: 'a long enough password\n' });
  assert.notEqual(user.code, 0, 'creating users.journal in an immutable dir cannot work');
  const sick = await fetch(`${daemon.url}/health`);
  assert.equal(sick.status, 503);
  assert.match(String(((await sick.json()) as Record<string, unknown>)['storage']), /writing users\.json failed: EPERM/);
});
