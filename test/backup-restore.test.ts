// `backup <dir>`: a consistent copy of the data while the daemon serves, and a
// data dir restored from it that carries on: the client, the user and the
// linked account (its refresh token) all still work.
import assert from 'node:assert/strict';
import { copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLIENT_ID } from './helpers/bridge.ts';
import { cliOk, DaemonProcess, httpSender, OAuthClient, runCli, seedAlexaWithCli, tempDir } from './helpers/daemon-process.ts';
import { authorizeQuery } from './helpers/http.ts';

const DATA_FILES = ['clients.json', 'flows.json', 'grants.json', 'users.json'];

test('a backup taken while the daemon serves and takes changes restores to a working bridge', async (t) => {
  const data = await tempDir('bridge-backup-data-');
  await seedAlexaWithCli(data);
  const daemon = await DaemonProcess.start({ dataDir: data });
  t.after(() => daemon.stop());
  const client = new OAuthClient(httpSender(daemon.url));
  const linked = await client.link(authorizeQuery());

  // Changes arrive while the backup is written; each lands either wholly in it or not at all.
  const backup = join(await tempDir('bridge-backup-'), 'copy');
  const adds = Array.from({ length: 6 }, (_, i) =>
    cliOk(['client', 'add', `extra-${i}`, '--redirect-uri', `https://skill.example.test/${i}`, '--secret', `extra-secret-${i}-0123456789`], { dataDir: data }),
  );
  const [answer] = await Promise.all([cliOk(['backup', backup, '--json'], { dataDir: data }), ...adds]);
  const result = JSON.parse(answer) as { directory: string; files: string[]; clients: number; users: number; grants: number };
  assert.equal(result.directory, backup);
  assert.deepEqual([...result.files].sort(), DATA_FILES);
  assert.deepEqual((await readdir(backup)).sort(), DATA_FILES);
  assert.equal(result.users, 1);
  assert.equal(result.grants, 1);
  const clients = (JSON.parse(await readFile(join(backup, 'clients.json'), 'utf8')) as { clients: Array<{ id: string }> }).clients;
  assert.equal(clients.length, result.clients, 'the count and the file show the same instant');
  assert.ok(clients.some((c) => c.id === CLIENT_ID));

  // The daemon carried on: the link still refreshes on the original data dir.
  await daemon.stop();

  // Restore into an empty data dir, start there.
  const restored = await tempDir('bridge-restored-');
  for (const file of await readdir(backup)) await copyFile(join(backup, file), join(restored, file));
  const again = await DaemonProcess.start({ dataDir: restored });
  t.after(() => again.stop());
  const listed = JSON.parse(await cliOk(['client', 'list', '--json'], { dataDir: restored })) as Array<{ client_id: string }>;
  assert.equal(listed.length, result.clients);
  const refreshed = await new OAuthClient(httpSender(again.url)).refresh(linked.refresh_token);
  assert.equal(refreshed.status, 200, refreshed.text);
  // And a new link, with the restored user and client.
  await new OAuthClient(httpSender(again.url)).link(authorizeQuery());
});

test('backup without a running daemon works under the data dir lock', async () => {
  const data = await tempDir('bridge-backup-offline-');
  await seedAlexaWithCli(data);
  const backup = join(await tempDir('bridge-backup-'), 'offline');
  const out = await cliOk(['backup', backup], { dataDir: data });
  assert.match(out, /^Backup written to .*offline: clients\.json, users\.json, grants\.json, flows\.json \(1 client\(s\), 1 user\(s\), 0 linked account\(s\)\)\./);
  assert.deepEqual((await readdir(backup)).sort(), DATA_FILES);
});

test('backup refuses a directory that holds anything, with one line and exit 1', async () => {
  const data = await tempDir('bridge-backup-refuse-');
  await seedAlexaWithCli(data);
  const target = await tempDir('bridge-backup-full-');
  await writeFile(join(target, 'precious.txt'), 'keep me');
  const result = await runCli(['--data-dir', data, 'backup', target]);
  assert.equal(result.code, 1);
  assert.equal(result.stderr, `alexa-oauth-bridge: ${target} is not empty: give a new or empty directory\n`);
  assert.deepEqual(await readdir(target), ['precious.txt']);
});
