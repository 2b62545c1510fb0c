// A full disk is a 503, never a crash: the data dir on a real 2 MiB tmpfs with the default
// settings (log files on), filled to the last block, then traffic, a restart while still full,
// and recovery once space is back. Needs root to mount; skipped with a message otherwise.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, open, readdir, readFile, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { authorizeQuery } from './helpers/http.ts';
import { DaemonProcess, httpSender, OAuthClient, seedAlexaWithCli } from './helpers/daemon-process.ts';

const run = promisify(execFile);
/** The traffic here is one client's on purpose; the rate limits are not what is tested. */
const UNLIMITED = { BRIDGE_API_REQUESTS_PER_MINUTE: '100000', BRIDGE_CLIENT_REQUESTS_PER_MINUTE: '100000' };

/** A fresh 2 MiB tmpfs, unmounted after the test; undefined (with the reason) when mounting is not possible. */
async function smallDisk(t: { after(fn: () => unknown): void }): Promise<{ dir?: string; why?: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'bridge-tmpfs-'));
  try {
    await run('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'tmpfs', dir]);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    return { why: `cannot mount a tmpfs (needs root): ${String((error as Error).message).split('\n')[0]}` };
  }
  t.after(async () => {
    await run('umount', ['-l', dir]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });
  return { dir };
}

/** Writes zeros until the file system refuses with ENOSPC; returns the filler's path. */
async function fill(dir: string): Promise<string> {
  const path = join(dir, 'filler');
  const file = await open(path, 'w');
  const block = Buffer.alloc(16 * 1024);
  try {
    for (;;) {
      try {
        await file.write(block);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
        // The last partial block: fill it byte-sized chunks down.
        for (let size = 2048; size >= 1; size = Math.floor(size / 2)) {
          while (await file.write(Buffer.alloc(size)).then(() => true, () => false));
        }
        return path;
      }
    }
  } finally {
    await file.close();
  }
}

async function health(daemon: DaemonProcess): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${daemon.url}/health`);
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function introspections(client: OAuthClient, token: string, count: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) {
    const answer = await client.introspect(token);
    statuses.push(answer.status);
    assert.equal(answer.json['active'], true, `introspection ${i}: ${answer.text}`);
  }
  return statuses;
}

test('a full disk: reads answer, writes 503, /health says why, a restart while full serves, space back heals and reports the dropped log lines', async (t) => {
  const disk = await smallDisk(t);
  if (!disk.dir) return t.skip(disk.why);
  const dataDir = join(disk.dir, 'data');
  await seedAlexaWithCli(dataDir);
  let daemon = await DaemonProcess.start({ dataDir, env: UNLIMITED });
  t.after(() => daemon.stop());
  let client = new OAuthClient(httpSender(daemon.url));
  const tokens = await client.link(authorizeQuery());

  const filler = await fill(disk.dir);

  // Reads keep answering, well past the 14 requests the old log sink survived.
  assert.deepEqual(new Set(await introspections(client, tokens.access_token, 200)), new Set([200]));
  const page = await client.page(authorizeQuery());
  assert.equal(page.status, 200);
  // Writes go on while the files' last blocks have room (as on any disk), then are refused with 503.
  let refreshToken = tokens.refresh_token;
  let accessToken = tokens.access_token;
  let refused;
  for (let i = 0; ; i++) {
    assert.ok(i < 200, 'refreshes never failed on the full disk');
    const answer = await client.refresh(refreshToken);
    if (answer.status === 200) {
      refreshToken = String(answer.json['refresh_token']);
      accessToken = String(answer.json['access_token']);
    } else {
      refused = answer;
      break;
    }
  }
  assert.equal(refused.status, 503, refused.text);
  assert.equal(refused.json['error'], 'temporarily_unavailable');
  // Nothing changed: the refused token is still the current one, and it is refused again.
  assert.equal((await client.refresh(refreshToken)).status, 503);
  const sick = await health(daemon);
  assert.equal(sick.status, 503);
  assert.equal(sick.json['status'], 'error');
  assert.match(String(sick.json['storage']), /^ENOSPC \(no space left on the disk: 0 KB free\)$/);
  assert.ok(daemon.running, daemon.tail());

  // A restart while the disk is still full: the daemon starts, serves reads, and says why it is unhealthy.
  const stopped = await daemon.stop();
  assert.equal(stopped.code, 0, daemon.tail());
  daemon = await DaemonProcess.start({ dataDir, port: daemon.port, env: UNLIMITED, readyWhenUnhealthy: true });
  client = new OAuthClient(httpSender(daemon.url));
  const restarted = await health(daemon);
  assert.equal(restarted.status, 503, JSON.stringify(restarted.json));
  assert.match(String(restarted.json['storage']), /ENOSPC/);
  // Enough traffic that the held-back log lines overflow and some are dropped.
  assert.deepEqual(new Set(await introspections(client, accessToken, 400)), new Set([200]));
  assert.equal((await client.refresh(refreshToken)).status, 503);
  assert.ok(daemon.running, daemon.tail());

  // Space comes back: health recovers by itself, writes work, the lost log lines are reported.
  await unlink(filler);
  const deadline = Date.now() + 30_000;
  while ((await health(daemon)).status !== 200) {
    assert.ok(Date.now() < deadline, `health did not recover\n${daemon.tail()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const renewed = await client.refresh(refreshToken);
  assert.equal(renewed.status, 200, renewed.text);
  // A failing log destination is tried again with one line a second: the report comes with the next line after that.
  const fileReport = async () =>
    daemon.logs.find((line) => typeof line['droppedLines'] === 'number' && String(line['destination']).includes('log files'));
  while (!(await fileReport())) {
    assert.ok(Date.now() < deadline, `no report of dropped log lines\n${daemon.tail()}`);
    await client.introspect(accessToken);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const report = (await fileReport())!;
  assert.ok((report['droppedLines'] as number) > 0, JSON.stringify(report));
  assert.equal(report['error'], 'ENOSPC');
  assert.equal(report['level'], 40);
  // The report reached the log files too, once they could be written again.
  const logDir = join(dataDir, 'logs');
  const logText = (await Promise.all((await readdir(logDir)).map((name) => readFile(join(logDir, name), 'utf8')))).join('');
  assert.match(logText, /log lines could not be written to the log files/);
  const status = await daemon.stop();
  assert.equal(status.code, 0, daemon.tail());
});

test('a closed stdout does not stop the daemon', async (t) => {
  const daemon = await DaemonProcess.start({ env: { BRIDGE_LOG_FILES: '0' } });
  t.after(() => daemon.stop());
  // Whoever read the daemon's output went away: every later write to stdout fails with EPIPE.
  daemon.child.stdout!.destroy();
  for (let i = 0; i < 50; i++) {
    const response = await fetch(`${daemon.url}/.well-known/oauth-authorization-server`);
    assert.equal(response.status, 200);
    await response.body?.cancel();
  }
  assert.ok(daemon.running, daemon.tail());
});
