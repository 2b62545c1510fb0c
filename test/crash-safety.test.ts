// Power-cut safety of the real daemon: SIGKILL at a random moment of heavy linking and refresh
// traffic, restart, and every token a client got a 200 for must still work; every file must parse.
// A failure prints the seed; rerun with CRASH_SEED=<seed> (and CRASH_CYCLES=<n>) to replay the timing choices.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { appendFile, readdir, readFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { LAYLA, PITANGUI } from './helpers/bridge.ts';
import {
  basicAuth,
  cliOk,
  DaemonProcess,
  freePort,
  httpSender,
  OAuthClient,
  seedAlexaWithCli,
  tempDir,
} from './helpers/daemon-process.ts';
import { authorizeQuery } from './helpers/http.ts';
import { seededRandom } from './helpers/random.ts';

const CYCLES = Number(process.env['CRASH_CYCLES'] ?? 20);
const SEED = Number(process.env['CRASH_SEED'] ?? randomInt(2 ** 31));
/** Traffic each cycle makes before its kill moment is drawn: enough for the kill to land among writes. */
const LINKS_PER_CYCLE = 1;
const REFRESHES_PER_CYCLE = 4;
const PROGRESS_LIMIT_MS = 120_000;

/** Limits far above this test's traffic: it is about durability, not abuse. */
const DAEMON_ENV = {
  BRIDGE_LOG_LEVEL: 'warn',
  BRIDGE_API_REQUESTS_PER_MINUTE: '1000000',
  BRIDGE_CLIENT_REQUESTS_PER_MINUTE: '1000000',
  BRIDGE_CLIENT_AUTH_FAILURE_LIMIT: '1000000',
  BRIDGE_SIGN_IN_FAILURE_LIMIT: '1000000',
  BRIDGE_SIGN_IN_DAILY_FAILURE_LIMIT: '1000000',
  BRIDGE_SIGN_IN_USERNAME_DAILY_FAILURE_LIMIT: '1000000',
};

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** One linked account as Alexa sees it: what it holds, and a refresh whose answer it never got. */
interface Chain {
  id: number;
  /** The newest refresh token a 200 delivered. */
  current: string;
  /**
   * Every access token a 200 delivered, oldest first, with a null where a refresh in flight at a
   * kill may have added one nobody saw.
   */
  access: (string | null)[];
  /** A refresh sent with this token was in flight at the kill: it may or may not have landed. */
  unknown?: string;
  busy: boolean;
  /** Refreshed, or new, since the last check: checked in full after the next restart. */
  touched: boolean;
}

/** A code a 303 delivered that was never sent to the token endpoint. */
interface HeldCode {
  code: string;
  redirectUri: string;
  cycle: number;
}

/**
 * The client side of the traffic and the ledger of what it was told. `problems` collects
 * everything that must not happen: an error answer, or a connection failing before the kill.
 */
class Traffic {
  readonly problems: string[] = [];
  stopping = false;
  killAt = Infinity;
  /** Codes fetched before the traffic, for the linkers to exchange. */
  private readonly fresh: HeldCode[] = [];
  links = 0;
  refreshes = 0;

  constructor(
    private readonly client: OAuthClient,
    private readonly random: () => number,
    private readonly cycle: number,
    private readonly ledger: { chains: Chain[]; held: HeldCode[] },
  ) {}

  private failed(what: string, error: unknown): void {
    // A connection that fails once the kill was sent is expected; one before it is not.
    if (Date.now() < this.killAt) this.problems.push(`cycle ${this.cycle}: ${what} failed before the kill: ${String(error)}`);
  }

  /** Obtains a code (page and form, the slow part: a password hash); resolves to undefined on a failure. */
  private async code(): Promise<HeldCode | undefined> {
    const redirectUri = this.random() < 0.5 ? LAYLA : PITANGUI;
    const query = authorizeQuery({ redirect_uri: redirectUri, state: `s${randomInt(1e9)}` });
    try {
      const page = await this.client.page(query);
      if (page.status !== 200) {
        this.problems.push(`cycle ${this.cycle}: authorize page answered ${page.status}`);
        return undefined;
      }
      const consent = await this.client.consent(page);
      if (consent.status !== 303) {
        this.problems.push(`cycle ${this.cycle}: consent answered ${consent.status}: ${consent.body.slice(0, 200)}`);
        return undefined;
      }
      return { code: new URL(consent.headers.location!).searchParams.get('code')!, redirectUri, cycle: this.cycle };
    } catch (error) {
      this.failed('a sign-in', error);
      return undefined;
    }
  }

  /**
   * Codes fetched before the traffic, so the kill window sees many exchanges (each creates a
   * grant); the first is never sent, to be exchanged after the restart.
   */
  async prefetch(count: number): Promise<void> {
    await mapLimit(Array.from({ length: count }, (_, i) => i), 2, async (i) => {
      const held = await this.code();
      if (held) (i === 0 ? this.ledger.held : this.fresh).push(held);
    });
  }

  /**
   * Resolves once this cycle's traffic has made `links` links and `refreshes` refreshes, or a
   * worker gave up (its problem is reported). Progress decides, not a fixed time, so a loaded
   * machine only makes a cycle slower, never lighter. Timing assumption: that much traffic takes
   * under PROGRESS_LIMIT_MS even on a busy machine; more means the daemon is stuck.
   */
  async progressed(links: number, refreshes: number): Promise<void> {
    const deadline = Date.now() + PROGRESS_LIMIT_MS;
    while (this.problems.length === 0 && (this.links < links || this.refreshes < refreshes)) {
      if (Date.now() > deadline) {
        this.problems.push(`cycle ${this.cycle}: only ${this.links} links and ${this.refreshes} refreshes in ${PROGRESS_LIMIT_MS} ms`);
        return;
      }
      await sleep(5);
    }
  }

  /** Codes fetched but never sent stay valid: they are checked after the restart. */
  keepUnsentCodes(): void {
    this.ledger.held.push(...this.fresh.splice(0));
  }

  async linker(): Promise<void> {
    while (!this.stopping) {
      // A code delivered earlier first, else a whole new flow.
      const held = this.fresh.shift() ?? (await this.code());
      if (!held) return;
      if (this.stopping) {
        // Never sent: after the restart it must still be exchangeable.
        this.ledger.held.push(held);
        return;
      }
      try {
        const answer = await this.client.token({ grant_type: 'authorization_code', code: held.code, redirect_uri: held.redirectUri });
        if (answer.status !== 200) {
          this.problems.push(`cycle ${this.cycle}: exchange of a code from cycle ${held.cycle} answered ${answer.status}: ${answer.text}`);
          return;
        }
        this.ledger.chains.push({
          id: this.ledger.chains.length,
          current: answer.json['refresh_token'] as string,
          access: [answer.json['access_token'] as string],
          busy: false,
          touched: true,
        });
        this.links++;
      } catch (error) {
        // The code may or may not be used now; nobody holds tokens for it.
        this.failed('a code exchange', error);
        return;
      }
    }
  }

  async refresher(): Promise<void> {
    while (!this.stopping) {
      const idle = this.ledger.chains.filter((chain) => !chain.busy && chain.unknown === undefined);
      if (idle.length === 0) {
        await sleep(2);
        continue;
      }
      const chain = idle[Math.floor(this.random() * idle.length)]!;
      chain.busy = true;
      const presented = chain.current;
      try {
        const answer = await this.client.refresh(presented);
        if (answer.status !== 200) {
          this.problems.push(`cycle ${this.cycle}: refresh of chain ${chain.id} answered ${answer.status}: ${answer.text}`);
          return;
        }
        chain.current = answer.json['refresh_token'] as string;
        chain.access.push(answer.json['access_token'] as string);
        chain.touched = true;
        this.refreshes++;
      } catch (error) {
        chain.unknown = presented;
        chain.access.push(null);
        chain.touched = true;
        this.failed(`refresh of chain ${chain.id}`, error);
        return;
      } finally {
        chain.busy = false;
      }
    }
  }

  async introspector(): Promise<void> {
    while (!this.stopping) {
      const chain = this.ledger.chains[Math.floor(this.random() * this.ledger.chains.length)];
      if (!chain) {
        await sleep(2);
        continue;
      }
      const token = chain.access.filter((entry) => entry !== null).at(-1)!;
      try {
        const answer = await this.client.introspect(token);
        if (answer.status !== 200 || answer.json['active'] !== true) {
          this.problems.push(`cycle ${this.cycle}: introspection of chain ${chain.id}'s newest access token answered ${answer.status} ${answer.text}`);
          return;
        }
      } catch (error) {
        this.failed('an introspection', error);
        return;
      }
    }
  }
}

/**
 * Every data file parses: JSON documents and their backups whole; journals and logs (JSON lines)
 * line by line. A SIGKILL cannot cut a write(2) to a regular file in two, so a journal must not
 * end in a partial line either; a log line may (the logger may write a line in pieces).
 */
async function checkDataFiles(dataDir: string, when: string): Promise<string[]> {
  const problems: string[] = [];
  const seen: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        await walk(path);
        continue;
      }
      if (!entry.isFile()) continue;
      seen.push(path.slice(dataDir.length + 1));
      const text = () => readFile(path, 'utf8');
      if (/\.json(\.bak)?$|\.bak$/.test(entry.name)) {
        const content = await text();
        try {
          JSON.parse(content);
        } catch (error) {
          problems.push(`${when}: ${path} does not parse (${(error as Error).message}); ${content.length} bytes: ${content.slice(0, 200)}`);
        }
      } else if (/\.journal$|\.log$|\.jsonl$/.test(entry.name)) {
        const content = await text();
        const lines = content.split('\n');
        const tail = lines.pop()!;
        if (tail !== '' && entry.name.endsWith('.journal')) problems.push(`${when}: ${path} ends in a partial line: ${tail.slice(0, 200)}`);
        for (const [index, line] of lines.entries()) {
          try {
            JSON.parse(line);
          } catch {
            problems.push(`${when}: ${path} line ${index + 1} is not JSON: ${line.slice(0, 200)}`);
          }
        }
      }
    }
  };
  await walk(dataDir);
  if (!seen.some((name) => /\.json$/.test(name))) problems.push(`${when}: no data file at all in ${dataDir} (files: ${seen.join(', ')})`);
  return problems;
}

/**
 * A grant keeps its newest three access tokens (src/oauth/tokens.ts: a request in flight with the
 * previous one still works); older ones end by design.
 */
const ACCESS_TOKENS_KEPT = 3;

/**
 * After a restart: every access token a 200 delivered that is among the grant's newest three,
 * counting the ones a refresh in flight at a kill may have added, is active; the newest refresh token refreshes, or, if a refresh was in flight at the kill, the
 * token it presented does (a rotated token stays valid until a later one is used). Then held
 * codes are exchanged. The ledger moves on with the new tokens.
 */
async function verify(client: OAuthClient, ledger: { chains: Chain[]; held: HeldCode[] }, when: string): Promise<string[]> {
  const problems: string[] = [];
  await mapLimit(ledger.chains, 12, async (chain) => {
    if (!chain.touched) {
      // Checked in full before and unchanged since: its newest access token shows its grant is all there.
      const newest = chain.access.filter((entry) => entry !== null).at(-1)!;
      const answer = await client.introspect(newest);
      if (answer.status !== 200 || answer.json['active'] !== true) {
        problems.push(`${when}: chain ${chain.id} (untouched since the last check) lost its newest access token: ${answer.status} ${answer.text}`);
      }
      return;
    }
    const kept = chain.access.slice(-ACCESS_TOKENS_KEPT);
    for (const [index, token] of kept.entries()) {
      if (token === null) continue;
      const answer = await client.introspect(token);
      if (answer.status !== 200 || answer.json['active'] !== true) {
        problems.push(`${when}: chain ${chain.id}'s access token ${kept.length - index} from the end (of ${chain.access.length}) is not active: ${answer.status} ${answer.text}`);
      }
    }
    const presented = chain.unknown ?? chain.current;
    const answer = await client.refresh(presented);
    if (answer.status !== 200) {
      problems.push(
        `${when}: chain ${chain.id}'s ${chain.unknown ? 'refresh token of a refresh in flight at the kill' : 'newest refresh token'} does not refresh: ${answer.status} ${answer.text}`,
      );
      return;
    }
    chain.current = answer.json['refresh_token'] as string;
    chain.access.push(answer.json['access_token'] as string);
    delete chain.unknown;
    chain.touched = false;
  });
  const held = ledger.held.splice(0);
  await mapLimit(held, 8, async (held) => {
    const answer = await client.token({ grant_type: 'authorization_code', code: held.code, redirect_uri: held.redirectUri });
    if (answer.status !== 200) {
      problems.push(`${when}: a code delivered in cycle ${held.cycle} (never exchanged) does not exchange: ${answer.status} ${answer.text}`);
      return;
    }
    ledger.chains.push({ id: ledger.chains.length, current: answer.json['refresh_token'] as string, access: [answer.json['access_token'] as string], busy: false, touched: true });
  });
  return problems;
}

function report(problems: string[], daemon: DaemonProcess | undefined): string {
  return `seed ${SEED} (rerun with CRASH_SEED=${SEED}); ${problems.length} problem(s):\n${problems.slice(0, 30).join('\n')}${daemon ? `\n${daemon.tail(20)}` : ''}`;
}

test(`${CYCLES} SIGKILLs at random moments of linking and refresh traffic lose nothing a client was told (seed ${SEED})`, async (t) => {
  const random = seededRandom(SEED);
  const dataDir = await tempDir('bridge-crash-');
  await seedAlexaWithCli(dataDir);
  const port = await freePort();
  let daemon = await DaemonProcess.start({ dataDir, port, env: DAEMON_ENV });
  t.after(() => daemon.stop());
  const ledger = { chains: [] as Chain[], held: [] as HeldCode[] };
  const problems: string[] = [];
  const stats = { links: 0, refreshes: 0, unknown: 0, held: 0 };
  // Accounts to refresh from the first kill on (each sign-in costs a password hash, so links are
  // the slow part of the traffic; more come during the cycles).
  const seedAgent = new Agent({ keepAlive: true });
  const seeder = new OAuthClient(httpSender(daemon.url, seedAgent));
  await mapLimit(Array.from({ length: 8 }, (_, i) => i), 2, async () => {
    const tokens = await seeder.link(authorizeQuery());
    ledger.chains.push({ id: ledger.chains.length, current: tokens.refresh_token, access: [tokens.access_token], busy: false, touched: true });
  });
  seedAgent.destroy();

  const phases = { prefetch: 0, traffic: 0, restart: 0, check: 0 };
  let mark = Date.now();
  const phase = (name: keyof typeof phases) => {
    phases[name] += Date.now() - mark;
    mark = Date.now();
  };
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const traffic = new Traffic(new OAuthClient(httpSender(daemon.url, agent)), random, cycle, ledger);
    mark = Date.now();
    await traffic.prefetch(2);
    problems.push(...traffic.problems.splice(0));
    phase('prefetch');
    const workers = [
      traffic.linker(),
      traffic.linker(),
      traffic.refresher(),
      traffic.refresher(),
      traffic.refresher(),
      traffic.refresher(),
      traffic.refresher(),
      traffic.introspector(),
    ];
    // The kill comes at a random moment after this cycle's traffic got going.
    await traffic.progressed(LINKS_PER_CYCLE, REFRESHES_PER_CYCLE);
    await sleep(Math.floor(random() * 350));
    traffic.stopping = true;
    traffic.killAt = Date.now();
    daemon.kill('SIGKILL');
    await Promise.all(workers);
    traffic.keepUnsentCodes();
    const exit = await daemon.waitExit();
    agent.destroy();
    assert.equal(exit.signal, 'SIGKILL', `cycle ${cycle}: the daemon had already exited: ${JSON.stringify(exit)}\n${daemon.tail()}`);
    problems.push(...traffic.problems);
    stats.links += traffic.links;
    stats.refreshes += traffic.refreshes;
    stats.unknown += ledger.chains.filter((chain) => chain.unknown !== undefined).length;
    stats.held += ledger.held.filter((held) => held.cycle === cycle).length;

    phase('traffic');
    problems.push(...(await checkDataFiles(dataDir, `after the kill in cycle ${cycle}`)));
    try {
      daemon = await DaemonProcess.start({ dataDir, port, env: DAEMON_ENV });
    } catch (error) {
      assert.fail(`cycle ${cycle}: the daemon does not start again after SIGKILL: ${String(error)}\n${report(problems, undefined)}`);
    }
    phase('restart');
    if (cycle === CYCLES - 1) for (const chain of ledger.chains) chain.touched = true; // the last check is a full one
    const checkAgent = new Agent({ keepAlive: true, maxSockets: 12 });
    problems.push(...(await verify(new OAuthClient(httpSender(daemon.url, checkAgent)), ledger, `after the restart in cycle ${cycle}`)));
    checkAgent.destroy();
    phase('check');
    assert.deepEqual(problems, [], report(problems, daemon));
  }
  t.diagnostic(`time spent (ms): ${JSON.stringify(phases)}`);
  t.diagnostic(`seed ${SEED}: ${CYCLES} kills; ${ledger.chains.length} linked accounts, ${stats.links} links and ${stats.refreshes} refreshes under traffic, ${stats.unknown} refreshes in flight at a kill, ${stats.held} codes held across a kill`);
  assert.ok(stats.refreshes >= CYCLES * REFRESHES_PER_CYCLE && stats.links >= CYCLES * LINKS_PER_CYCLE, `the traffic was too light to mean much: ${JSON.stringify(stats)}`);
  assert.ok(stats.unknown > 0, `no refresh was ever in flight at a kill: ${JSON.stringify(stats)}`);
  // The daemon still shuts down cleanly after all that.
  const exit = await daemon.stop();
  assert.equal(exit.code, 0, daemon.tail());
  problems.push(...(await checkDataFiles(dataDir, 'after a clean stop')));
  assert.deepEqual(problems, [], report(problems, daemon));
});

test('CLI changes made while refresh traffic runs are never lost, even to a SIGKILL right after', async (t) => {
  const random = seededRandom(SEED ^ 0x5bd1e995);
  const dataDir = await tempDir('bridge-crash-cli-');
  await seedAlexaWithCli(dataDir);
  const port = await freePort();
  let daemon = await DaemonProcess.start({ dataDir, port, env: DAEMON_ENV });
  t.after(() => daemon.stop());

  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const client = new OAuthClient(httpSender(daemon.url, agent));
  const ledger = { chains: [] as Chain[], held: [] as HeldCode[] };
  for (let i = 0; i < 6; i++) {
    const tokens = await client.link(authorizeQuery());
    ledger.chains.push({ id: i, current: tokens.refresh_token, access: [tokens.access_token], busy: false, touched: true });
  }
  const traffic = new Traffic(client, random, 0, ledger);
  const workers = [traffic.refresher(), traffic.refresher(), traffic.refresher(), traffic.refresher(), traffic.linker(), traffic.introspector()];

  // Clients added through the CLI, three at a time, while the daemon is busy.
  const cliStarted = Date.now();
  const added: { client_id: string; client_secret: string }[] = [];
  const ids = Array.from({ length: 8 }, (_, i) => `cli-under-load-${i}`);
  await mapLimit(ids, 4, async (id) => {
    const stdout = await cliOk(['client', 'add', id, '--redirect-uri', `https://${id}.example/cb`, '--json'], { dataDir });
    added.push(JSON.parse(stdout) as { client_id: string; client_secret: string });
  });
  // And a user and a password change, the other file the CLI writes.
  await cliOk(['user', 'add', 'carol', '--password-stdin'], { dataDir, input: 'carol-password-one' });
  await cliOk(['user', 'passwd', 'carol', '--password-stdin'], { dataDir, input: 'carol-password-two' });

  t.diagnostic(`${ids.length + 2} CLI commands took ${Date.now() - cliStarted} ms while ${traffic.refreshes} refreshes ran`);
  // Power cut the moment the last command returned (or the first refresh, if the CLI was faster), with traffic still running.
  await traffic.progressed(0, 1);
  traffic.stopping = true;
  traffic.killAt = Date.now();
  daemon.kill('SIGKILL');
  await Promise.all(workers);
  traffic.keepUnsentCodes();
  await daemon.waitExit();
  agent.destroy();
  assert.deepEqual(traffic.problems, []);
  assert.ok(traffic.refreshes > 0, 'refresh traffic ran alongside the CLI');

  daemon = await DaemonProcess.start({ dataDir, port, env: DAEMON_ENV });
  const listed = JSON.parse(await cliOk(['client', 'list', '--json'], { dataDir })) as { client_id: string }[];
  const listedIds = listed.map((entry) => entry.client_id);
  for (const id of ids) assert.ok(listedIds.includes(id), `client ${id} was lost; listed: ${listedIds.join(', ')}`);
  assert.equal(added.length, ids.length);

  const checkAgent = new Agent({ keepAlive: true });
  const checker = new OAuthClient(httpSender(daemon.url, checkAgent));
  // Each printed secret works: the client authenticates at the introspection endpoint.
  for (const { client_id, client_secret } of added) {
    const answer = await checker.post('/alexa/introspect', { token: 'not-a-token' }, basicAuth(client_id, client_secret));
    assert.equal(answer.status, 200, `client ${client_id} cannot authenticate with the secret the CLI printed: ${answer.text}`);
  }
  // carol's second password is the one that signs in.
  const page = await checker.page(authorizeQuery());
  const wrong = await checker.consent(page, { username: 'carol', password: 'carol-password-one' });
  assert.equal(wrong.status, 400, 'the old password no longer signs in');
  const right = await checker.consent(await checker.page(authorizeQuery()), { username: 'carol', password: 'carol-password-two' });
  assert.equal(right.status, 303, right.body.slice(0, 300));
  // And the refresh traffic's tokens survived as well.
  const problems = await verify(checker, ledger, 'after the CLI run and the kill');
  problems.push(...(await checkDataFiles(dataDir, 'after the CLI run and the kill')));
  checkAgent.destroy();
  assert.deepEqual(problems, [], report(problems, daemon));
});

test('a journal line torn by a power cut does not swallow the commits after it', async (t) => {
  const dataDir = await tempDir('bridge-crash-torn-');
  await seedAlexaWithCli(dataDir);
  const port = await freePort();
  let daemon = await DaemonProcess.start({ dataDir, port, env: DAEMON_ENV });
  t.after(() => daemon.stop());
  let agent = new Agent({ keepAlive: true });
  const tokens = await new OAuthClient(httpSender(daemon.url, agent)).link(authorizeQuery());
  daemon.kill('SIGKILL');
  await daemon.waitExit();
  agent.destroy();
  // A start with nothing new to write: whatever it replays it may fold into its snapshots, so
  // the tear below is the only thing in a journal that then starts again with nothing to replay.
  daemon = await DaemonProcess.start({ dataDir, port, env: DAEMON_ENV });
  daemon.kill('SIGKILL');
  await daemon.waitExit();

  // A power cut in the middle of an append leaves the start of a line and no newline. (SIGKILL
  // cannot do that: one write(2) lands whole; this is what a power cut can leave.)
  const journals = (await readdir(dataDir)).filter((name) => name.endsWith('.journal'));
  if (journals.length === 0) {
    t.skip(`no *.journal files in the data dir (${(await readdir(dataDir)).join(', ')})`);
    return;
  }
  for (const name of journals) await appendFile(join(dataDir, name), '{"seq":999999,"changes":{"grants":{"put":[{"id":"torn');

  daemon = await DaemonProcess.start({ dataDir, port, env: DAEMON_ENV });
  agent = new Agent({ keepAlive: true });
  let client = new OAuthClient(httpSender(daemon.url, agent));
  const refreshed = await client.refresh(tokens.refresh_token);
  assert.equal(refreshed.status, 200, refreshed.text);
  await cliOk(['user', 'add', 'dave', '--password-stdin'], { dataDir, input: 'dave-password-123' });
  daemon.kill('SIGKILL');
  await daemon.waitExit();
  agent.destroy();

  daemon = await DaemonProcess.start({ dataDir, port, env: DAEMON_ENV });
  agent = new Agent({ keepAlive: true });
  client = new OAuthClient(httpSender(daemon.url, agent));
  const again = await client.refresh(refreshed.json['refresh_token'] as string);
  assert.equal(again.status, 200, `a refresh token that got a 200 no longer works after a restart (its commit went into the journal after the torn line): ${again.text}`);
  const users = JSON.parse(await cliOk(['user', 'list', '--json'], { dataDir })) as { username: string }[];
  assert.ok(users.some((user) => user.username === 'dave'), 'the user added after the torn line was lost');
  agent.destroy();
  const problems = await checkDataFiles(dataDir, 'after the torn line and two restarts');
  assert.deepEqual(problems.filter((problem) => !problem.includes('"id":"torn')), [], problems.join('\n'));
});
