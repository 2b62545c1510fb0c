// The add-on image, built and run for real: the packaged add-on folder from
// `npm run addon`, built by Docker with the Dockerfile as shipped (BUILD_FROM
// names a local stand-in for the Home Assistant base image, see
// helpers/addon-base-standin.ts), run the way the Supervisor runs it: /data
// holding options.json, SUPERVISOR_TOKEN set, stopped with a 5 s timeout.
//
// The container gets no network (--network=none): everything is checked from
// inside it with `docker exec`, so nothing here listens on this machine's ports.
// Timing assumption: on a loaded 2-core machine the daemon is healthy within
// 90 s of `docker run`; the checks poll, none measures speed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { builtScripts } from './helpers/build-record.ts';
import { standInBase } from './helpers/addon-base-standin.ts';
import { addonOptionsFile, readManifest, repoRoot } from './helpers/addon-source.ts';
import { VENDOR_ID } from './helpers/bridge.ts';
import { startContainerEngine, type ContainerEngine } from './helpers/container-engine.ts';

const SLUG = 'alexa_oauth_bridge';
const SECRET = 'image-test-secret-0123456789';
const OPTIONS = await addonOptionsFile({
  public_url: 'https://alexa.example.test',
  client_id: 'alexa-skill',
  client_secret: SECRET,
  alexa_vendor_id: VENDOR_ID,
});

let engine: ContainerEngine | undefined;
let skipReason: string | undefined;
let image = '';
let base = '';
let work = '';
const containers: string[] = [];

function skipIfNoEngine(t: TestContext): boolean {
  if (engine) return true;
  t.skip(skipReason ?? 'no container engine');
  return false;
}

/** `docker exec NAME node -e fetch(url)`: the status and body of a GET from inside the container. */
async function fetchInside(name: string, url: string): Promise<{ status: number; body: string }> {
  const script = `fetch(${JSON.stringify(url)}).then(async (r) => console.log(JSON.stringify({ status: r.status, body: await r.text() })), (e) => { console.error(String(e.cause ?? e)); process.exit(3); })`;
  const out = await engine!.dockerOk(['exec', name, 'node', '-e', script]);
  return JSON.parse(out) as { status: number; body: string };
}

/** The admin page as someone inside the container opens it: a one-time link from admin-link, then the page with its cookie. */
async function adminPageInside(name: string): Promise<{ status: number; body: string }> {
  const { url } = JSON.parse(await cliInside(name, ['admin-link', '--json'])) as { url: string };
  const script = `fetch(${JSON.stringify(url)}, { redirect: 'manual' }).then((r) => fetch(new URL('/', ${JSON.stringify(url)}), { headers: { cookie: r.headers.getSetCookie()[0].split(';')[0] } })).then(async (r) => console.log(JSON.stringify({ status: r.status, body: await r.text() })), (e) => { console.error(String(e.cause ?? e)); process.exit(3); })`;
  return JSON.parse(await engine!.dockerOk(['exec', name, 'node', '-e', script])) as { status: number; body: string };
}

/** `docker exec NAME alexa-oauth-bridge ARGS` (the image's CLI, with the image's BRIDGE_DATA_DIR). */
async function cliInside(name: string, args: string[]): Promise<string> {
  return engine!.dockerOk(['exec', name, 'node', '/app/dist/cli.js', ...args]);
}

async function inspect<T>(name: string, format: string): Promise<T> {
  return JSON.parse(await engine!.dockerOk(['inspect', '--format', `{{json ${format}}}`, name])) as T;
}

/** Polls Docker's own HEALTHCHECK status until it is `healthy` (or the container stopped). */
async function waitHealthy(name: string): Promise<void> {
  let status = '';
  for (let waited = 0; waited < 90_000; waited += 500) {
    const state = await inspect<{ Running: boolean; Health?: { Status: string } }>(name, '.State');
    status = state.Health?.Status ?? 'no healthcheck';
    if (status === 'healthy') return;
    if (!state.Running) break;
    await sleep(500);
  }
  const logs = await engine!.docker(['logs', '--tail', '30', name]);
  // How it ended (exit code, OOM, the engine's error) and what the engine logged: a failure says why.
  const state = await engine!.docker(['inspect', '--format', '{{json .State}}', name]);
  const engineLog = await engine!.logTail(15);
  assert.fail(`container ${name} is ${status}, not healthy:\n${logs.stdout}${logs.stderr}\nstate: ${state.stdout}${engineLog ? `\ndockerd: ${engineLog}` : ''}`);
}

/** Runs the image the way the Supervisor does: /data from the host, SUPERVISOR_TOKEN in the environment. */
async function runAddon(options: Record<string, unknown>): Promise<{ name: string; data: string }> {
  const data = await mkdtemp(path.join(work, 'data-'));
  await writeFile(path.join(data, 'options.json'), JSON.stringify(options));
  const name = `app_local_${SLUG}_test_${randomBytes(4).toString('hex')}`;
  containers.push(name);
  await engine!.dockerOk(['run', '-d', '--name', name, '--network=none', '-v', `${data}:/data`, '-e', 'SUPERVISOR_TOKEN=image-test-token', image]);
  return { name, data };
}

/** `docker stop -t 5`: the daemon must exit by itself, 0, before Docker would kill it. */
async function stopWithin5s(name: string): Promise<void> {
  await engine!.dockerOk(['stop', '-t', '5', name]);
  const state = await inspect<{ Running: boolean; ExitCode: number; OOMKilled: boolean }>(name, '.State');
  assert.equal(state.Running, false);
  // A SIGKILL after the 5 s would leave 137.
  assert.equal(state.ExitCode, 0, 'the daemon exited 0 on SIGTERM within the stop timeout');
}

describe('the add-on image', { timeout: 30 * 60_000 }, () => {
  before(async () => {
    const started = await startContainerEngine();
    if ('skip' in started) {
      skipReason = `no container engine: ${started.skip}`;
      return;
    }
    engine = started.engine;
    work = await mkdtemp(path.join(os.tmpdir(), 'addon-image-'));
    const built = spawnSync(process.execPath, ['--import', 'tsx', 'docker/build-addon.ts', '--out', path.join(work, 'addon')], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    assert.equal(built.status, 0, `npm run addon failed: ${built.stderr}`);
    base = await standInBase(engine, (line) => console.log(`# ${line}`));
    const manifest = await readManifest();
    image = `alexa-oauth-bridge-addon-test:${randomBytes(4).toString('hex')}`;
    // What the Supervisor passes (supervisor/apps/build.py), BUILD_FROM naming the stand-in.
    await engine.dockerOk(
      [
        'build', '--network=host', '--pull=false',
        '--build-arg', `BUILD_FROM=${base}`,
        '--build-arg', `BUILD_VERSION=${String(manifest.version)}`,
        '--build-arg', 'BUILD_ARCH=amd64',
        '--tag', image,
        path.join(work, 'addon', SLUG),
      ],
      { timeoutMs: 20 * 60_000 },
    );
  });

  after(async () => {
    if (engine) {
      for (const name of containers) await engine.docker(['rm', '-f', '-v', name]);
      if (image) await engine.docker(['rmi', '-f', image]);
      await engine.close();
    }
    if (work) await rm(work, { recursive: true, force: true });
  });

  test('builds from the packaged folder: Node.js, package.json and the bundle, nothing from npm', async (t) => {
    if (!skipIfNoEngine(t)) return;
    const labels = await inspect<Record<string, string>>(image, '.Config.Labels');
    const manifest = await readManifest();
    assert.equal(labels['io.hass.version'], manifest.version);
    assert.equal(labels['io.hass.type'], 'addon');
    const listing = await engine!.dockerOk(['run', '--rm', '--network=none', '--entrypoint', 'sh', image, '-c', 'cd /app && find . -type f | sort']);
    const scripts = builtScripts(repoRoot);
    assert.deepEqual(listing.trim().split('\n'), [...scripts.map((name) => `./dist/${name}`), './package.json']);
    const size = await inspect<number>(image, '.Size');
    const baseSize = await inspect<number>(base, '.Size');
    t.diagnostic(`image ${(size / 1e6).toFixed(1)} MB, of which the add-on's layers ${((size - baseSize) / 1e6).toFixed(1)} MB`);
  });

  test('runs like the Supervisor runs it: healthy, configured by options.json, admin on the ingress port, stops cleanly, keeps its data', async (t) => {
    if (!skipIfNoEngine(t)) return;
    const { name, data } = await runAddon(OPTIONS);
    await waitHealthy(name);

    const health = await fetchInside(name, 'http://127.0.0.1:8096/health');
    assert.equal(health.status, 200);
    assert.equal((JSON.parse(health.body) as { status: string }).status, 'ok');

    // The options became the configuration: the issuer, and the client with Alexa's redirect URIs.
    const metadata = await fetchInside(name, 'http://127.0.0.1:8096/.well-known/oauth-authorization-server');
    assert.equal((JSON.parse(metadata.body) as { issuer: string }).issuer, OPTIONS.public_url);
    const client = JSON.parse(await cliInside(name, ['client', 'show', 'alexa-skill', '--json'])) as Record<string, unknown>;
    assert.equal(client['type'], 'confidential');
    assert.equal(client['source'], 'config');
    assert.deepEqual(client['redirect_uris'], [
      `https://pitangui.amazon.com/api/skill/link/${VENDOR_ID}`,
      `https://layla.amazon.com/api/skill/link/${VENDOR_ID}`,
      `https://alexa.amazon.co.jp/api/skill/link/${VENDOR_ID}`,
    ]);

    // The admin page answers on the ingress port: on loopback, to a session from admin-link.
    assert.equal((await fetchInside(name, 'http://127.0.0.1:8097/')).status, 401);
    const admin = await adminPageInside(name);
    assert.equal(admin.status, 200);
    assert.match(admin.body, /alexa\.example\.test/);

    // A change made with the CLI while it runs...
    await cliInside(name, ['client', 'add', 'second-skill', '--redirect-uri', 'https://skill.example.test/callback', '--secret', 'second-secret-0123456789']);
    await stopWithin5s(name);
    assert.ok((await readdir(data)).includes('options.json'));

    // ...survives a restart of the container.
    await engine!.dockerOk(['start', name]);
    await waitHealthy(name);
    const listed = JSON.parse(await cliInside(name, ['client', 'list', '--json'])) as Array<{ client_id: string }>;
    assert.deepEqual(listed.map((c) => c.client_id).sort(), ['alexa-skill', 'second-skill']);
    await stopWithin5s(name);
    assert.equal(JSON.parse(await readFile(path.join(data, 'options.json'), 'utf8')).client_secret, SECRET);
  });

  test('a configuration problem does not crash-loop it: healthy, /health says what to fill in, stops cleanly', async (t) => {
    if (!skipIfNoEngine(t)) return;
    const { name } = await runAddon({ ...OPTIONS, client_secret: 'short' });
    await waitHealthy(name);
    const health = await fetchInside(name, 'http://127.0.0.1:8096/health');
    assert.equal(health.status, 200);
    const body = JSON.parse(health.body) as { status: string; problems: string[] };
    assert.equal(body.status, 'unconfigured');
    assert.match(body.problems.join('\n'), /client_secret .*: must be at least 16 characters/);
    assert.equal(await inspect<number>(name, '.RestartCount'), 0);
    await stopWithin5s(name);
  });
});
