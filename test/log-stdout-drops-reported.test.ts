import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DaemonProcess } from './helpers/daemon-process.ts';

// Needs `npm run build` (spawns dist/cli.js). Timing assumption: none beyond the daemon writing
// its report within 20 s of stdout being read again.

test('log lines dropped because stdout fell behind are counted and reported once it is read again', async () => {
  const daemon = await DaemonProcess.start({ env: { BRIDGE_LOG_FILES: '0' } });
  try {
    // A reader that stops reading (a paused pipe, a log collector that stalls): the socket's
    // buffer fills, then SonicBoom's 64 KiB, then lines are dropped.
    daemon.child.stdout!.pause();
    const before = daemon.stdoutLines.length;
    const requests = 3000;
    for (let sent = 0; sent < requests; sent += 50) {
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          const response = await fetch(`${daemon.url}/.well-known/oauth-authorization-server`);
          assert.equal(response.status, 200);
          await response.arrayBuffer();
        }),
      );
    }
    daemon.child.stdout!.resume();
    const deadline = Date.now() + 20_000;
    let report: { droppedLines: number; destination: string; msg: string } | undefined;
    let sentAfter = 0;
    while (!report && Date.now() < deadline) {
      // Requests after the stall make the destination write again.
      await (await fetch(`${daemon.url}/.well-known/oauth-authorization-server`)).arrayBuffer();
      sentAfter++;
      await new Promise((resolve) => setTimeout(resolve, 200));
      report = daemon.stdoutLines
        .map((line) => JSON.parse(line) as { droppedLines?: number; destination: string; msg: string })
        .find((line): line is { droppedLines: number; destination: string; msg: string } => line.droppedLines !== undefined);
    }
    const sent = requests + sentAfter;
    const requestLines = daemon.stdoutLines.slice(before).filter((line) => line.includes('"path":"/.well-known/oauth-authorization-server"')).length;
    assert.ok(requestLines < sent, `the stall dropped lines (${requestLines} of ${sent} written)`);
    assert.ok(report, `no report of the ${sent - requestLines} dropped lines`);
    assert.equal(report.destination, 'stdout');
    assert.ok(report.droppedLines > 0);
    assert.ok(report.droppedLines <= sent - requestLines, `${report.droppedLines} reported, at most ${sent - requestLines} missing`);
    assert.match(report.msg, /^\d+ log lines could not be written to stdout \(it fell behind by more than 64 KiB\) and were dropped; writing again$/);
  } finally {
    await daemon.stop();
  }
});
