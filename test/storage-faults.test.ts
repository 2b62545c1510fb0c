import assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { loadConfig } from '../src/config/load.ts';
import { startDaemon } from '../src/daemon.ts';
import { createLogger } from '../src/log/logger.ts';
import type { FileIo } from '../src/storage/atomicWrite.ts';
import { CLIENT_ID, ISSUER, seedAlexa, tempDir, TestClock, type TestBridge } from './helpers/bridge.ts';
import { authorizeQuery, basic, getPage, link, postForm, submitConsent, tokenRequest } from './helpers/http.ts';

/**
 * File operations that fail with `code` while `failing` is on, at the chosen step of a write:
 * opening a file for writing, writing to it (snapshot or journal), or renaming a snapshot.
 */
function faultyIo(step: 'write' | 'open' | 'rename') {
  const state = { failing: false, code: 'ENOSPC' };
  const fail = () => Object.assign(new Error(`injected ${state.code}`), { code: state.code });
  const io: FileIo = {
    ...fs,
    open: (async (path: fs.FileHandle | string, flags?: string, mode?: number) => {
      const writing = flags === 'w' || flags === 'a' || flags === 'as';
      if (state.failing && step === 'open' && writing) throw fail();
      const handle = await fs.open(path as string, flags, mode);
      if (!writing) return handle;
      // Journals stay open across commits, so the fault is checked at each write, not at open.
      const failWhenOn = (write: (...args: never[]) => Promise<void>) => async (...args: never[]) => {
        if (state.failing && step === 'write') throw fail();
        return write(...args);
      };
      return Object.assign(Object.create(handle) as fs.FileHandle, {
        writeFile: failWhenOn(handle.writeFile.bind(handle) as never),
        appendFile: failWhenOn(handle.appendFile.bind(handle) as never),
        close: () => handle.close(),
      });
    }) as FileIo['open'],
    rename: async (from, to) => {
      if (state.failing && step === 'rename' && !String(from).endsWith('.bak.tmp')) throw fail();
      return fs.rename(from, to);
    },
  };
  return { io, state };
}

async function bridgeWith(io: FileIo, t: { after(fn: () => Promise<void>): void }): Promise<TestBridge> {
  const dataDir = await tempDir();
  const clock = new TestClock();
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk: Buffer, _e, callback) => (lines.push(chunk.toString()), callback()) });
  const config = loadConfig({ env: { BRIDGE_DATA_DIR: dataDir, BRIDGE_PORT: '0', BRIDGE_PUBLIC_URL: ISSUER } });
  const daemon = await startDaemon(config, createLogger('info', sink), clock.read, io);
  t.after(() => daemon.stop());
  return { url: `http://127.0.0.1:${daemon.port}`, dataDir, config, daemon, clock, logs: [], logText: () => lines.join(''), stop: () => daemon.stop() };
}

/** Both files of the grants store, as they are on disk now. */
async function grantsOnDisk(dataDir: string): Promise<string[]> {
  return Promise.all(['grants.json', 'grants.journal'].map((name) => readFile(join(dataDir, name), 'utf8').catch(() => '(absent)')));
}

async function expectUnhealthyThenRecovered(bridge: TestBridge, state: { failing: boolean }): Promise<void> {
  const health = await fetch(`${bridge.url}/health`);
  assert.equal(health.status, 503);
  assert.equal(((await health.json()) as Record<string, unknown>)['status'], 'error');
  state.failing = false;
  assert.equal((await fetch(`${bridge.url}/health`)).status, 200);
}

for (const [step, code, what] of [
  ['write', 'ENOSPC', 'a full disk'],
  ['open', 'EROFS', 'a read-only data dir'],
  ['rename', 'EIO', 'a failing rename'],
] as const) {
  test(`${what} while the first link is saved: a 503 page, nothing on disk or in memory, recovery by itself`, async (t) => {
    const { io, state } = faultyIo(step);
    state.code = code;
    const bridge = await bridgeWith(io, t);
    await seedAlexa(bridge);
    state.failing = true;
    const response = await submitConsent(bridge.url, await getPage(bridge.url, authorizeQuery()));
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('location'), null);
    assert.match(await response.text(), /could not save the link/);
    assert.deepEqual(await grantsOnDisk(bridge.dataDir), ['(absent)', '(absent)']);
    assert.equal(bridge.daemon.context.store.codes.size, 0);
    await expectUnhealthyThenRecovered(bridge, state);
    await link(bridge.url);
  });
}

test('a full disk during a refresh fails it with 503 and JSON, keeps memory and disk in agreement, and recovers', async (t) => {
  const { io, state } = faultyIo('write');
  const bridge = await bridgeWith(io, t);
  await seedAlexa(bridge);
  const tokens = await link(bridge.url);
  const before = await grantsOnDisk(bridge.dataDir);

  state.failing = true;
  const refused = await tokenRequest(bridge.url, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
  assert.equal(refused.status, 503);
  assert.equal(refused.json['error'], 'temporarily_unavailable');
  assert.equal(refused.headers.get('retry-after'), '5');
  assert.equal(refused.headers.get('cache-control'), 'no-store');
  // Nothing half-applied: the files are as they were, and memory went back to them.
  assert.deepEqual(await grantsOnDisk(bridge.dataDir), before);
  await expectUnhealthyThenRecovered(bridge, state);

  // The refresh token the failed request presented is still the current one, not "reused".
  const retried = await tokenRequest(bridge.url, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
  assert.equal(retried.status, 200);
  const active = await postForm(`${bridge.url}/alexa/introspect`, new URLSearchParams({ token: retried.json['access_token'] as string }), basic());
  assert.equal(((await active.json()) as Record<string, unknown>)['active'], true);
});

test('a failed write fails every change that joined it, and none of them stays in memory', async (t) => {
  const { io, state } = faultyIo('write');
  const bridge = await bridgeWith(io, t);
  await seedAlexa(bridge);
  const chains = await Promise.all([1, 2, 3, 4].map(() => link(bridge.url)));
  state.failing = true;
  const results = await Promise.all(
    chains.map((tokens) => tokenRequest(bridge.url, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token })),
  );
  assert.deepEqual(results.map((result) => result.status), [503, 503, 503, 503]);
  state.failing = false;
  for (const tokens of chains) {
    const again = await tokenRequest(bridge.url, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    assert.equal(again.status, 200, 'the rolled-back refresh left the old token current');
  }
  assert.equal(bridge.daemon.context.store.clients.get(CLIENT_ID)?.id, CLIENT_ID);
});
