// Clients that hang up mid sign-in, then a SIGTERM: the daemon exits cleanly and its data is whole.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { PASSWORD, USERNAME } from './helpers/bridge.ts';
import { DaemonProcess, httpSender, OAuthClient, seedAlexaWithCli, tempDir } from './helpers/daemon-process.ts';
import { FORM } from './helpers/hostile.ts';
import { authorizeQuery } from './helpers/http.ts';

test('clients that hang up in the middle of a sign-in, then a SIGTERM: the daemon still exits cleanly', async () => {
  const dataDir = await tempDir('bridge-hostile-hangup-');
  await seedAlexaWithCli(dataDir);
  for (let round = 0; round < 2; round++) {
    const own = await DaemonProcess.start({ dataDir });
    try {
      const client = new OAuthClient(httpSender(own.url), { 'accept-language': 'en' });
      const pages = await Promise.all(Array.from({ length: 6 }, () => client.page(authorizeQuery())));
      // Whole sign-in posts (each costs the server a password hash), then the clients vanish.
      const sockets = pages.map((page) => {
        const body = new URLSearchParams({ ...page.hidden, username: USERNAME, password: PASSWORD, decision: 'approve' }).toString();
        const socket = connect(own.port, '127.0.0.1', () =>
          socket.write(`POST /alexa/authorize HTTP/1.1\r\nHost: bridge\r\nCookie: ${page.cookie}\r\nContent-Type: ${FORM}\r\nContent-Length: ${body.length}\r\n\r\n${body}`),
        );
        socket.on('error', () => undefined);
        return socket;
      });
      await sleep(30);
      for (const socket of sockets) socket.destroy();
      own.kill('SIGTERM');
      const exit = await own.waitExit();
      assert.deepEqual(exit, { code: 0, signal: null }, `round ${round}: the daemon did not exit cleanly after SIGTERM with abandoned requests in flight\n${own.tail(10)}`);
    } finally {
      await own.stop();
    }
  }
  // And what it wrote is whole: it starts again on the same data.
  const again = await DaemonProcess.start({ dataDir });
  const tokens = await new OAuthClient(httpSender(again.url)).link(authorizeQuery());
  assert.ok(tokens.access_token);
  await again.stop();
});
