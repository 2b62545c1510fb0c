// A damaged line in the MIDDLE of grants.journal (good lines after it, so not a torn last write)
// used to be skipped silently and lost at the next snapshot. It is now kept aside verbatim in
// grants.journal.damaged, logged as an error naming the file and line, and shown by `doctor`.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { authorizeQuery } from './helpers/http.ts';
import { DaemonProcess, httpSender, OAuthClient, runCli, seedAlexaWithCli, tempDir } from './helpers/daemon-process.ts';

interface Check {
  id: string;
  status: string;
  message: string;
  fix?: string;
}

test('a damaged line in the middle of a journal is kept aside in .damaged, logged with file and line, and shown by doctor', async (t) => {
  const dataDir = await tempDir('bridge-damaged-journal-');
  await seedAlexaWithCli(dataDir);
  let daemon = await DaemonProcess.start({ dataDir });
  t.after(() => daemon.stop());
  const client = new OAuthClient(httpSender(daemon.url));
  for (let i = 0; i < 3; i++) await client.link(authorizeQuery());
  await daemon.stop();

  const journal = join(dataDir, 'grants.journal');
  const lines = (await readFile(journal, 'utf8')).split('\n').filter(Boolean);
  assert.ok(lines.length >= 4, `the links left ${lines.length} journal lines`);
  const damaged = `#${lines[2]!.slice(1, -20)}`; // a flipped first byte and a lost tail
  lines[2] = damaged;
  await writeFile(journal, `${lines.join('\n')}\n`);

  daemon = await DaemonProcess.start({ dataDir, port: daemon.port });
  const error = daemon.logs.find((line) => line['level'] === 50 && line['file'] === journal);
  assert.ok(error, `no error naming ${journal}\n${daemon.tail()}`);
  assert.deepEqual(error['lines'], [3]);
  assert.equal(error['keptIn'], `${journal}.damaged`);
  assert.match(String(error['msg']), /grants\.journal line 3 is damaged: its change is not in the store; the line is kept in .*grants\.journal\.damaged$/);

  const keptText = await readFile(`${journal}.damaged`, 'utf8');
  const [header, kept] = keptText.split('\n');
  assert.match(header!, /^# grants\.journal line 3, kept aside \d{4}-\d\d-\d\dT[\d:.]+Z$/);
  assert.equal(kept, damaged, 'kept verbatim');

  // The journal was folded into the snapshot; the kept line survives that and later restarts.
  await daemon.stop();
  assert.equal(await readFile(journal, 'utf8'), '');
  daemon = await DaemonProcess.start({ dataDir, port: daemon.port });
  assert.equal(await readFile(`${journal}.damaged`, 'utf8'), keptText, 'nothing new is added at a clean start');

  const doctor = await runCli(['doctor', '--json'], { dataDir });
  const report = JSON.parse(doctor.stdout) as { checks: Check[] };
  const check = report.checks.find((entry) => entry.id === 'damaged-journal');
  assert.ok(check, doctor.stdout);
  assert.equal(check.status, 'warn');
  assert.match(check.message, /grants\.journal\.damaged: grants\.journal line 3 \(kept aside \d{4}-/);
  assert.match(check.fix ?? '', /linking the skill/);
});
