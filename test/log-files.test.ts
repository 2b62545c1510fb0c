import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { loadConfig } from '../src/config/load.ts';
import { createDaemonLogger } from '../src/log/logger.ts';
import { tempDir } from './helpers/bridge.ts';

/** Stands in for stdout, which is the test runner's. */
function discard(): Writable {
  return new Writable({ write: (_chunk, _encoding, callback) => callback() });
}

test('log files roll over at the size cap and only the configured number is kept, across restarts', async () => {
  const dataDir = await tempDir();
  const config = loadConfig({ env: { BRIDGE_DATA_DIR: dataDir, BRIDGE_LOG_FILE_MB: '0.05', BRIDGE_LOG_FILES: '3' } });
  const capBytes = 0.05 * 1024 * 1024;
  // Two runs of the daemon: files of the earlier run count against the bound too.
  for (let run = 0; run < 2; run++) {
    const { log, close } = await createDaemonLogger(config, discard());
    for (let i = 0; i < 2000; i++) {
      log.info({ run, i, padding: 'x'.repeat(100), password: 'hunter2-never-logged' }, 'filler line for the rotation test');
      await new Promise((resolve) => setImmediate(resolve)); // lines come one request at a time
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    close();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const folder = join(dataDir, 'logs');
  const files = await readdir(folder);
  assert.ok(files.length <= 3, `at most 3 files, found ${files.join(', ')}`);
  assert.ok(files.length >= 2, 'the cap was passed, so the log rolled');
  for (const file of files) {
    const info = await stat(join(folder, file));
    // pino-roll rolls after the buffered write that crosses the cap: at most one buffer (16 KiB) over.
    assert.ok(info.size <= capBytes + 16 * 1024, `${file} is ${info.size} bytes`);
    assert.equal(info.mode & 0o077, 0, `${file} is readable by others`);
    const text = await readFile(join(folder, file), 'utf8');
    assert.doesNotMatch(text, /hunter2/);
    for (const line of text.trim().split('\n')) JSON.parse(line);
  }
});

test('BRIDGE_LOG_FILES=0 writes no log files', async () => {
  const dataDir = await tempDir();
  const { log, close } = await createDaemonLogger(loadConfig({ env: { BRIDGE_DATA_DIR: dataDir, BRIDGE_LOG_FILES: '0' } }), discard());
  log.fatal('only on stdout');
  close();
  await assert.rejects(readdir(join(dataDir, 'logs')), { code: 'ENOENT' });
});
