// Hostile bodies against the real daemon process: too large, declared too large, of the wrong type
// or encoding, compressed to inflate past the cap. A 4xx of the endpoint's kind, never a 5xx.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { PASSWORD, USERNAME } from './helpers/bridge.ts';
import { basicAuth, DaemonProcess, rawRequest, seedAlexaWithCli, tempDir, type RawResponse } from './helpers/daemon-process.ts';
import { API_PATHS, assert4xx, assertKind, FORM, freshPage, rawSocketExchange, refreshBody, send, show, useHostileDaemon } from './helpers/hostile.ts';

useHostileDaemon();

test('bodies over the cap are refused with 413, JSON from the API and HTML from the page', async () => {
  for (const size of [16 * 1024 + 1, 64 * 1024, 1024 * 1024]) {
    const padding = `&pad=${'a'.repeat(size)}`;
    for (const path of API_PATHS) {
      const request = { method: 'POST', path, headers: { 'content-type': FORM, ...basicAuth() }, body: refreshBody() + padding };
      const response = await send(request);
      assert.equal(response.status, 413, show(request));
      assertKind(response, 'json', show(request));
    }
    const page = await freshPage();
    const form = new URLSearchParams({ ...page.hidden, username: USERNAME, password: PASSWORD, decision: 'approve' });
    const request = { method: 'POST', path: '/alexa/authorize', headers: { 'content-type': FORM, cookie: page.cookie }, body: `${form}${padding}` };
    const response = await send(request);
    assert.equal(response.status, 413, show(request));
    assertKind(response, 'html', show(request));
    assert.equal(response.headers.location, undefined, 'no code for an oversized form');
  }
  // Chunked, so the size is only known while reading.
  for (const path of [...API_PATHS, '/alexa/authorize']) {
    const request = { method: 'POST', path, headers: { 'content-type': FORM, 'transfer-encoding': 'chunked', ...basicAuth() }, body: `${refreshBody()}&pad=${'b'.repeat(40_000)}` };
    const response = await send(request);
    assert.equal(response.status, 413, show(request));
  }
});

test('a declared length over the cap is refused at once, not after the body was waited for', async () => {
  for (const declared of ['16385', '1000000', '4294967296', '999999999999']) {
    const started = Date.now();
    const response = await rawSocketExchange(
      `POST /alexa/token HTTP/1.1\r\nHost: bridge\r\nContent-Type: ${FORM}\r\nAuthorization: ${basicAuth().authorization}\r\nContent-Length: ${declared}\r\n\r\ngrant_type=x`,
      5_000,
    );
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(response.text)?.[1]);
    assert.equal(status, 413, `Content-Length: ${declared} with a short body: after ${Date.now() - started} ms got ${JSON.stringify(response.text.slice(0, 120))}`);
  }
});

test('wrong content types and encodings are a 4xx of the endpoint\'s kind', async () => {
  const bodies: { type?: string; encoding?: string; body: string | Buffer; label: string }[] = [
    { label: 'no content-type', body: refreshBody() },
    { label: 'JSON', type: 'application/json', body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: 'x' }) },
    { label: 'text', type: 'text/plain', body: refreshBody() },
    { label: 'XML', type: 'application/xml', body: '<grant_type>refresh_token</grant_type>' },
    { label: 'multipart', type: 'multipart/form-data; boundary=XyZ', body: '--XyZ\r\nContent-Disposition: form-data; name="grant_type"\r\n\r\nrefresh_token\r\n--XyZ--\r\n' },
    { label: 'octet-stream', type: 'application/octet-stream', body: Buffer.from([0, 1, 2, 255, 254]) },
    { label: 'garbage type', type: ';;;', body: refreshBody() },
    { label: 'a list of types', type: `${FORM}, text/plain`, body: refreshBody() },
    { label: 'an unknown charset', type: `${FORM}; charset=bogus-8`, body: refreshBody() },
    { label: 'gzip that is not gzip', type: FORM, encoding: 'gzip', body: refreshBody() },
    { label: 'deflate that is not deflate', type: FORM, encoding: 'deflate', body: refreshBody() },
    { label: 'br that is not brotli', type: FORM, encoding: 'br', body: refreshBody() },
    { label: 'truncated gzip', type: FORM, encoding: 'gzip', body: gzipSync(refreshBody()).subarray(0, 12) },
    { label: 'an unknown encoding', type: FORM, encoding: 'x-unknown', body: refreshBody() },
    { label: 'a gzip bomb', type: FORM, encoding: 'gzip', body: gzipSync(Buffer.alloc(32 * 1024 * 1024, 'a')) },
  ];
  for (const { label, type, encoding, body } of bodies) {
    const headers = { ...(type ? { 'content-type': type } : {}), ...(encoding ? { 'content-encoding': encoding } : {}) };
    for (const path of API_PATHS) {
      const request = { method: 'POST', path, headers: { ...headers, ...basicAuth() }, body };
      assert4xx(await send(request), 'json', `${label}: ${show(request)}`);
    }
    const page = await freshPage();
    const request = { method: 'POST', path: '/alexa/authorize', headers: { ...headers, cookie: page.cookie }, body };
    assert4xx(await send(request), 'html', `${label}: ${show(request)}`);
  }
  // A real gzip body is read or refused, never a 5xx.
  for (const path of API_PATHS) {
    const request = { method: 'POST', path, headers: { 'content-type': FORM, 'content-encoding': 'gzip', ...basicAuth() }, body: gzipSync(refreshBody()) };
    const response = await send(request);
    assert.ok(response.status < 500, `${show(request)}: ${response.status} ${response.body}`);
  }
});

test('compressed bodies that inflate past the cap and then end early: a 4xx, and the daemon stays up', async () => {
  // Its own daemon: this request used to kill the process a moment after its answer.
  const dataDir = await tempDir('bridge-hostile-inflate-');
  await seedAlexaWithCli(dataDir);
  const own = await DaemonProcess.start({ dataDir });
  try {
    const big = Buffer.alloc(1024 * 1024, 'a');
    const bodies: [string, string, Buffer][] = [
      ['gzip', 'half of a gzip bomb', gzipSync(big).subarray(0, 520)],
      ['deflate', 'half of a deflate bomb', deflateSync(big).subarray(0, 520)],
      ['br', 'most of a brotli stream', brotliCompressSync(Buffer.from(Array.from({ length: 40_000 }, (_, i) => `token=${i % 97}`).join('&'))).subarray(0, 60)],
      // Raw bytes that a brotli decoder reads as a stream producing more than 16 KB, then ending early.
      ['br', 'raw text read as brotli', Buffer.from(`a=${'b'.repeat(16_396)}`)],
    ];
    const wrong: string[] = [];
    for (const [encoding, label, body] of bodies) {
      for (const path of [...API_PATHS, '/alexa/authorize']) {
        const request = { method: 'POST', path, headers: { 'content-type': FORM, 'content-encoding': encoding, ...basicAuth() }, body };
        let response: RawResponse;
        try {
          response = await rawRequest(own.url, request);
        } catch (error) {
          await sleep(200);
          assert.fail(`${label}: no answer (${String(error)}); the daemon ${own.running ? 'is still up' : `had died:\n${own.tail(8)}`}\n${show(request)}`);
        }
        if (response.status < 400 || response.status >= 500) wrong.push(`${label}: ${response.status} for ${show(request)}`);
        await sleep(100);
        assert.ok(own.running, `${label}: the daemon died after answering ${response.status} to ${show(request)}\n${own.tail(8)}`);
      }
    }
    await sleep(2500);
    assert.ok(own.running, `the daemon died after compressed bodies that end early\n${own.tail(5)}`);
    const health = await rawRequest(own.url, { path: '/health' });
    assert.equal(health.status, 200);
    assert.deepEqual(wrong, [], 'each is a 4xx');
  } finally {
    await own.stop();
  }
});
