// The rate limiters' memory under a flood of distinct client addresses (issue 11.3): the daemon
// behind a trusted proxy on loopback gets 200,000 token requests with a wrong client secret, each
// from another X-Forwarded-For address, so every limiter keyed by address sees a new key each
// time (no client is registered: an unknown client fails authentication the same way). Prints the daemon's RSS before, at its peak and after 15 s of quiet.
//
//   npm run build && node --import tsx test/bench/limiter-memory.ts [path/to/cli.js] [addresses]
//
// BRIDGE_TRUST_PROXY=1 is used because both the old hop count and the new address list accept
// it (the new one reads it as loopback), so the same command measures any version.
import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { CLI_JS, DaemonProcess } from '../helpers/daemon-process.ts';
import { CLIENT_ID } from '../helpers/bridge.ts';

const cli = process.argv[2] ?? CLI_JS;
const addresses = Number(process.argv[3] ?? 200_000);
const CONCURRENCY = 32;

async function memory(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)![1]) / 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

function post(port: number, agent: Agent, forwardedFor: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = 'grant_type=refresh_token&refresh_token=x';
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/alexa/token',
        agent,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          authorization: `Basic ${Buffer.from(`${CLIENT_ID}:wrong-secret`).toString('base64')}`,
          'x-forwarded-for': forwardedFor,
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const daemon = await DaemonProcess.start({
  command: [process.execPath, cli, 'serve'],
  env: { BRIDGE_TRUST_PROXY: '1', BRIDGE_LOG_LEVEL: 'warn', BRIDGE_LOG_FILES: '0' },
});
try {
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const before = await memory(daemon.pid);
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const statuses = new Map<number, number>();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < addresses) {
        const n = next++;
        const status = await post(daemon.port, agent, `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const after = await memory(daemon.pid);
  await new Promise((resolve) => setTimeout(resolve, 15_000));
  const quiet = await memory(daemon.pid);
  agent.destroy();
  console.log(
    JSON.stringify({
      cli,
      addresses,
      seconds: Math.round(seconds),
      statuses: Object.fromEntries(statuses),
      rssBeforeMiB: Math.round(before.rss),
      rssPeakMiB: Math.round(after.peak),
      rssAfterFloodMiB: Math.round(after.rss),
      rssAfter15sQuietMiB: Math.round(quiet.rss),
    }),
  );
} finally {
  await daemon.stop();
}
