// The built daemon and CLI run as users run them: `node dist/cli.js …` in a child process,
// configured through the environment, talked to over real sockets.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { request as httpRequest, Agent, type ClientRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, runCli } from './cli.ts';
import { CLIENT_ID, CLIENT_SECRET, PASSWORD, USERNAME, VENDOR_ID } from './bridge.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The built entry point (`npm test` builds first; `npx tsc -p tsconfig.json` by hand). */
export const CLI_JS = join(REPO_ROOT, 'dist', 'cli.js');

export async function tempDir(prefix = 'bridge-proc-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

// The command line itself is run by ./cli.ts (shared with the other process tests).
export { freePort, runCli, type CliResult } from './cli.ts';

/** Runs a CLI command that must succeed; returns its stdout, or throws with what it said. */
export async function cliOk(args: string[], options: { dataDir?: string; input?: string; env?: Record<string, string> } = {}): Promise<string> {
  const result = await runCli(args, options);
  if (result.code !== 0) {
    throw new Error(`alexa-oauth-bridge ${args.join(' ')} exited ${result.code ?? result.signal}: ${result.stderr.trim() || result.stdout.trim()}`);
  }
  return result.stdout;
}

/** Registers the Alexa client (fixed secret, scopes alexa and music) and the local user, as the README says. */
export async function seedAlexaWithCli(dataDir: string): Promise<void> {
  await cliOk(
    ['client', 'add', CLIENT_ID, '--alexa-vendor-id', VENDOR_ID, '--secret', CLIENT_SECRET, '--scope', 'alexa', '--scope', 'music', '--name', 'Music Skill'],
    { dataDir },
  );
  await cliOk(['user', 'add', USERNAME, '--password-stdin'], { dataDir, input: `${PASSWORD}\n` });
}

/** The parent's environment minus every BRIDGE_* / SUPERVISOR_TOKEN (so the host's settings never leak in), plus `extra`. */
function childEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('BRIDGE_') || name === 'SUPERVISOR_TOKEN' || name === 'NODE_TEST_CONTEXT') continue;
    env[name] = value;
  }
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

// ---------------------------------------------------------------------------------------------
// The daemon

export interface DaemonProcessOptions {
  /** Reused across restarts; a new temp dir when left out. */
  dataDir?: string;
  /** A fixed port (e.g. the same one after a restart); a free one when left out. */
  port?: number;
  /** BRIDGE_PUBLIC_URL; `http://127.0.0.1:<port>` when left out. */
  publicUrl?: string;
  /** More BRIDGE_* settings (they win over the ones above except BRIDGE_DATA_DIR/PORT/HOST). */
  env?: Record<string, string | undefined>;
  /** How long to wait for /health to answer 200. */
  readyTimeoutMs?: number;
  /** Ready once /health answers at all, 503 included (a daemon started on a full disk). */
  readyWhenUnhealthy?: boolean;
  /** What to run instead of `node dist/cli.js serve`, e.g. the add-on's start script. */
  command?: string[];
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** `node dist/cli.js serve` in a child process. */
export class DaemonProcess {
  /** Every line the daemon wrote to stdout (pino JSON), in order. */
  readonly stdoutLines: string[] = [];
  stderr = '';
  private readonly exited: Promise<ExitStatus>;
  private exitStatus: ExitStatus | undefined;
  private stdoutRest = '';

  private constructor(
    readonly child: ChildProcess,
    readonly dataDir: string,
    readonly port: number,
    readonly publicUrl: string,
    readonly env: NodeJS.ProcessEnv,
  ) {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const text = this.stdoutRest + chunk;
      const lines = text.split('\n');
      this.stdoutRest = lines.pop()!;
      this.stdoutLines.push(...lines.filter(Boolean));
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    // A test process that ends without stopping its daemon (a failed hook, an uncaught error)
    // must not leave it running.
    const reap = () => child.kill('SIGKILL');
    process.once('exit', reap);
    this.exited = new Promise((resolveExit) => {
      child.once('close', (code, signal) => {
        process.off('exit', reap);
        if (this.stdoutRest) this.stdoutLines.push(this.stdoutRest);
        this.stdoutRest = '';
        this.exitStatus = { code, signal };
        resolveExit(this.exitStatus);
      });
    });
  }

  /** Starts the daemon and resolves once GET /health answers 200. */
  static async start(options: DaemonProcessOptions = {}): Promise<DaemonProcess> {
    const dataDir = options.dataDir ?? (await tempDir());
    for (let attempt = 0; ; attempt++) {
      const port = options.port ?? (await freePort());
      const publicUrl = options.publicUrl ?? `http://127.0.0.1:${port}`;
      const env = childEnv({
        BRIDGE_LOG_LEVEL: 'info',
        BRIDGE_PUBLIC_URL: publicUrl,
        ...options.env,
        BRIDGE_DATA_DIR: dataDir,
        BRIDGE_HOST: '127.0.0.1',
        BRIDGE_PORT: String(port),
      });
      const [program, ...args] = options.command ?? [process.execPath, CLI_JS, 'serve'];
      const child = spawn(program!, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      const daemon = new DaemonProcess(child, dataDir, port, publicUrl, env);
      try {
        await daemon.waitHealthy(options.readyTimeoutMs ?? 20_000, options.readyWhenUnhealthy ? [200, 503] : [200]);
        return daemon;
      } catch (error) {
        if (daemon.exitStatus === undefined) {
          child.kill('SIGKILL');
          await daemon.exited;
        }
        // Someone took the free port between our probe and the daemon's listen: try another.
        if (options.port === undefined && attempt < 3 && /EADDRINUSE/.test(daemon.stderr)) continue;
        throw error;
      }
    }
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.exitStatus === undefined;
  }

  /** stdout parsed as pino JSON lines (a line that is not JSON is kept as `{ raw }`). */
  get logs(): Record<string, unknown>[] {
    return this.stdoutLines.map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return { raw: line };
      }
    });
  }

  /** The last lines of stdout and stderr, for an assertion message. */
  tail(lines = 30): string {
    return `--- stdout (last ${lines}) ---\n${this.stdoutLines.slice(-lines).join('\n')}\n--- stderr ---\n${this.stderr.slice(-4000)}`;
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.running) this.child.kill(signal);
  }

  waitExit(timeoutMs = 15_000): Promise<ExitStatus> {
    if (this.exitStatus) return Promise.resolve(this.exitStatus);
    return new Promise((resolveExit, reject) => {
      const timer = setTimeout(() => reject(new Error(`daemon pid ${this.pid} did not exit within ${timeoutMs} ms\n${this.tail()}`)), timeoutMs);
      void this.exited.then((status) => {
        clearTimeout(timer);
        resolveExit(status);
      });
    });
  }

  /** SIGTERM and wait; SIGKILL if it hangs. Safe to call twice. */
  async stop(): Promise<ExitStatus> {
    if (!this.running) return this.exitStatus!;
    this.kill('SIGTERM');
    try {
      return await this.waitExit(10_000);
    } catch {
      this.kill('SIGKILL');
      return this.waitExit();
    }
  }

  async waitHealthy(timeoutMs = 20_000, statuses: readonly number[] = [200]): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer';
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`the daemon exited (${JSON.stringify(this.exitStatus)}) before it was healthy\n${this.tail()}`);
      try {
        const response = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(2000) });
        last = `${response.status} ${await response.text()}`;
        if (statuses.includes(response.status)) return;
      } catch (error) {
        last = String((error as Error).cause ?? error);
      }
      await new Promise((r) => setTimeout(r, 40));
    }
    throw new Error(`the daemon was not healthy within ${timeoutMs} ms (last: ${last})\n${this.tail()}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Raw HTTP: exact bytes of path, headers and body, no client-side normalization.

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface RawRequest {
  method?: string;
  /** Sent as is, e.g. `/alexa/%E0%A4%A`. */
  path: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  agent?: Agent | false;
  timeoutMs?: number;
}

/** One request over node:http; rejects on a socket error or when no answer comes within the timeout. */
export function rawRequest(base: string, request: RawRequest): Promise<RawResponse> {
  const url = new URL(base);
  return settleRaw(
    httpRequest({
      host: url.hostname,
      port: url.port,
      method: request.method ?? 'GET',
      path: request.path,
      headers: request.headers ?? {},
      agent: request.agent ?? false,
      // Let invalid header values through: the point is to see what the server does with them.
      insecureHTTPParser: true,
      // A redirect may echo a long state back in Location; browsers read far bigger heads than 16 KB.
      maxHeaderSize: 256 * 1024,
    }),
    request,
  );
}

/** Sends the request's body and reads the whole answer; rejects on a socket error or after the timeout. */
export function settleRaw(req: ClientRequest, request: Pick<RawRequest, 'body' | 'timeoutMs'>): Promise<RawResponse> {
  return new Promise((resolveResponse, reject) => {
    req.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolveResponse({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    req.setTimeout(request.timeoutMs ?? 20_000, () => req.destroy(new Error(`no answer within ${request.timeoutMs ?? 20_000} ms`)));
    req.on('error', reject);
    req.end(request.body);
  });
}

// ---------------------------------------------------------------------------------------------
// The Alexa side of the flow over any transport (plain HTTP here, HTTPS through nginx).

export type Send = (request: RawRequest) => Promise<RawResponse>;

/** Requests to `base` over node:http, through `agent` (e.g. a keep-alive one). */
export function httpSender(base: string, agent?: Agent): Send {
  return (request) => rawRequest(base, { agent: agent ?? false, ...request });
}

export interface ConsentPage {
  status: number;
  headers: IncomingHttpHeaders;
  html: string;
  /** The CSRF cookie as `name=value`. */
  cookie: string;
  /** Every hidden input of the form, unescaped. */
  hidden: Record<string, string>;
  /** The form's action attribute. */
  action: string | undefined;
}

export interface TokenAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  json: Record<string, unknown>;
  text: string;
}

export interface LinkedTokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  scope: string;
  token_type: string;
}

const FORM = 'application/x-www-form-urlencoded';

export function basicAuth(id = CLIENT_ID, secret = CLIENT_SECRET): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` };
}

/** What Alexa and the person's browser do, one request at a time. `headers` go on every request. */
export class OAuthClient {
  constructor(
    readonly send: Send,
    readonly headers: Record<string, string> = {},
  ) {}

  async page(query: URLSearchParams, headers: Record<string, string> = {}): Promise<ConsentPage> {
    const response = await this.send({ method: 'GET', path: `/alexa/authorize?${query}`, headers: { ...this.headers, ...headers } });
    const setCookie = response.headers['set-cookie'] ?? [];
    const hidden: Record<string, string> = {};
    for (const match of response.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
      hidden[match[1]!] = unescapeHtml(match[2]!);
    }
    const action = /<form method="post" action="([^"]*)">/.exec(response.body)?.[1];
    return {
      status: response.status,
      headers: response.headers,
      html: response.body,
      cookie: (setCookie[0] ?? '').split(';')[0]!,
      hidden,
      action: action === undefined ? undefined : unescapeHtml(action),
    };
  }

  /** Posts the consent form as a browser does: hidden inputs, cookie, the person's fields. */
  consent(page: ConsentPage, fields: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<RawResponse> {
    const body = new URLSearchParams({ ...page.hidden, username: USERNAME, password: PASSWORD, decision: 'approve', ...fields });
    return this.send({
      method: 'POST',
      path: '/alexa/authorize',
      headers: { ...this.headers, 'content-type': FORM, cookie: page.cookie, ...headers },
      body: body.toString(),
    });
  }

  /** Page and form; resolves to the redirect's parameters (throws unless the answer is a 303). */
  async authorize(query: URLSearchParams, fields: Record<string, string> = {}): Promise<URLSearchParams> {
    const page = await this.page(query);
    if (page.status !== 200) throw new Error(`authorize page answered ${page.status}: ${page.html.slice(0, 300)}`);
    const response = await this.consent(page, fields);
    if (response.status !== 303) throw new Error(`consent post answered ${response.status}: ${response.body.slice(0, 300)}`);
    return new URL(response.headers.location!).searchParams;
  }

  async post(path: string, params: Record<string, string>, headers: Record<string, string> = basicAuth()): Promise<TokenAnswer> {
    const response = await this.send({
      method: 'POST',
      path,
      headers: { ...this.headers, 'content-type': FORM, ...headers },
      body: new URLSearchParams(params).toString(),
    });
    let json: Record<string, unknown> = {};
    try {
      json = response.body ? (JSON.parse(response.body) as Record<string, unknown>) : {};
    } catch {
      json = {};
    }
    return { status: response.status, headers: response.headers, json, text: response.body };
  }

  token(params: Record<string, string>, headers?: Record<string, string>): Promise<TokenAnswer> {
    return this.post('/alexa/token', params, headers);
  }

  /** Exchanges a code; throws unless 200. */
  async exchange(code: string, redirectUri: string): Promise<LinkedTokens> {
    const answer = await this.token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri });
    if (answer.status !== 200) throw new Error(`code exchange answered ${answer.status}: ${answer.text}`);
    return answer.json as unknown as LinkedTokens;
  }

  /** A whole link: page, form, code exchange. */
  async link(query: URLSearchParams): Promise<LinkedTokens> {
    const redirect = await this.authorize(query);
    const code = redirect.get('code');
    if (!code) throw new Error(`the redirect carried no code: ${redirect}`);
    return this.exchange(code, query.get('redirect_uri')!);
  }

  refresh(refreshToken: string): Promise<TokenAnswer> {
    return this.token({ grant_type: 'refresh_token', refresh_token: refreshToken });
  }

  introspect(token: string): Promise<TokenAnswer> {
    return this.post('/alexa/introspect', { token });
  }
}

function unescapeHtml(value: string): string {
  return value
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&#x([0-9a-f]+);/gi, (_, code: string) => String.fromCharCode(Number.parseInt(code, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
