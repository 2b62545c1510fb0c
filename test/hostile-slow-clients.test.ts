// Stalled clients against the real daemon process are cut off (headers one byte a second, a body
// that never ends), within the server's timeouts plus some slack.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CUT_OFF_SLACK_MS, daemon, FORM, HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS, send, useHostileDaemon } from './helpers/hostile.ts';

useHostileDaemon();

/** Opens a connection, writes `head` at once, then one byte of `trickle` per second until the server closes it. */
function slowClient(head: string, trickle: string, limitMs: number): Promise<{ closedAfterMs: number | undefined; received: string }> {
  return new Promise((resolveSlow) => {
    const started = Date.now();
    const socket: Socket = connect(daemon.port, '127.0.0.1');
    let received = '';
    let sent = 0;
    let interval: NodeJS.Timeout | undefined;
    const finish = (closedAfterMs: number | undefined) => {
      clearInterval(interval);
      clearTimeout(limit);
      socket.destroy();
      resolveSlow({ closedAfterMs, received });
    };
    const limit = setTimeout(() => finish(undefined), limitMs);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => finish(Date.now() - started));
    socket.on('connect', () => {
      socket.write(head);
      interval = setInterval(() => {
        if (trickle !== '' && !socket.destroyed && !socket.writableEnded) socket.write(trickle[sent++ % trickle.length]!);
      }, 1000);
    });
  });
}

test('slow clients are cut off: headers one byte a second, a body that never finishes', async () => {
  const headerLimit = HEADERS_TIMEOUT_MS + CUT_OFF_SLACK_MS;
  const requestLimit = REQUEST_TIMEOUT_MS + CUT_OFF_SLACK_MS;
  const clients = Promise.all([
    // Slowloris: the request line, then a header that never ends.
    slowClient('GET /alexa/authorize HTTP/1.1\r\nHost: bridge\r\n', 'X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', headerLimit + 1000),
    slowClient('POST /alexa/token HTTP/1.1\r\nHost: bridge\r\n', 'X-Slow: bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', headerLimit + 1000),
    // A body announced as 200 bytes that arrives one byte a second.
    slowClient(`POST /alexa/token HTTP/1.1\r\nHost: bridge\r\nContent-Type: ${FORM}\r\nContent-Length: 200\r\n\r\ngrant_type=`, 'r', requestLimit + 1000),
    // A body that never comes at all, and a chunked one that never ends.
    slowClient(`POST /alexa/introspect HTTP/1.1\r\nHost: bridge\r\nContent-Type: ${FORM}\r\nContent-Length: 100\r\n\r\n`, '', requestLimit + 1000),
    slowClient(`POST /alexa/revoke HTTP/1.1\r\nHost: bridge\r\nContent-Type: ${FORM}\r\nTransfer-Encoding: chunked\r\n\r\n5\r\ntoken\r\n`, '', requestLimit + 1000),
  ]);
  // Meanwhile the server answers everyone else at once.
  await sleep(2000);
  for (let i = 0; i < 3; i++) {
    const started = Date.now();
    const health = await send({ path: '/health', timeoutMs: 2000 });
    assert.equal(health.status, 200);
    assert.ok(Date.now() - started < 1000, 'health is answered while slow clients hang on');
    await sleep(1000);
  }
  const [slowHeaders1, slowHeaders2, slowBody, noBody, endlessChunks] = await clients;
  const check = (name: string, result: { closedAfterMs: number | undefined; received: string }, limit: number) => {
    assert.ok(result.closedAfterMs !== undefined && result.closedAfterMs <= limit, `${name}: the server had not closed the connection after ${limit} ms (closed after ${result.closedAfterMs} ms; received ${JSON.stringify(result.received.slice(0, 100))})`);
    assert.ok(result.received === '' || /^HTTP\/1\.1 (408|400|413)/.test(result.received), `${name}: answered ${JSON.stringify(result.received.slice(0, 100))}`);
  };
  check('headers one byte a second (GET)', slowHeaders1, headerLimit);
  check('headers one byte a second (POST)', slowHeaders2, headerLimit);
  check('a body one byte a second', slowBody, requestLimit);
  check('a body that never comes', noBody, requestLimit);
  check('chunks that never end', endlessChunks, requestLimit);
  assert.ok(daemon.running);
});
