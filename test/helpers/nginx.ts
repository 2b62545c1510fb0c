// Debian's nginx on loopback, in front of a daemon, with the config the project ships
// (config/nginx/nginx.conf including config/nginx/alexa-oauth-bridge.conf) and a self-signed
// certificate made here.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { Agent, request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, REPO_ROOT, settleRaw, tempDir, type RawRequest, type RawResponse, type Send } from './daemon-process.ts';

export const NGINX = process.env['NGINX_BIN'] ?? '/usr/sbin/nginx';
export const SHIPPED_CONF = join(REPO_ROOT, 'config', 'nginx', 'alexa-oauth-bridge.conf');
export const SHIPPED_MAIN_CONF = join(REPO_ROOT, 'config', 'nginx', 'nginx.conf');
/** The certificate's name; requests send it as SNI and check the certificate against it. */
export const TLS_NAME = 'bridge.test';

const run = promisify(execFile);

export interface NginxOptions {
  /** The daemon's port on 127.0.0.1. */
  upstreamPort: number;
  /** Serve under `/bridge` with the shipped config's "under a path" locations instead of its root ones. */
  underPath?: boolean;
  /** Uncomment the shipped config's "smart-home relay" location, as a user turning the relay on does. */
  smartHome?: boolean;
  /** nginx's TLS port on 127.0.0.1; a free one when left out. */
  port?: number;
}

/** Why the shipped config could not be adapted, said so whoever changed it knows what the test expects. */
function replaceOnce(text: string, pattern: RegExp, replacement: string, what: string, file = SHIPPED_CONF): string {
  const matches = text.match(new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`)) ?? [];
  if (matches.length !== 1) {
    throw new Error(`${file}: expected exactly one ${what} (${pattern}), found ${matches.length}; the nginx test adapts that line`);
  }
  return text.replace(pattern, replacement);
}

/**
 * The shipped nginx.conf, adapted to the test: every file it writes goes to `dir`, it
 * includes the adapted server block from `dir`, and as root runs its
 * workers as root (nobody cannot enter the 0700 temp dir). Everything else is used as shipped.
 */
export function adaptShippedMainConf(shipped: string, options: { dir: string }): string {
  const { dir } = options;
  const once = (text: string, pattern: RegExp, replacement: string, what: string) => replaceOnce(text, pattern, replacement, what, SHIPPED_MAIN_CONF);
  let conf = shipped;
  conf = once(conf, /^user\s+[^;]+;/m, process.getuid?.() === 0 ? 'user root;' : '', '"user" line');
  conf = once(conf, /^pid\s+[^;]+;/m, `pid ${join(dir, 'nginx.pid')};`, '"pid" line');
  conf = once(conf, /^error_log\s+[^;]+;/m, `error_log ${join(dir, 'error.log')} info;`, '"error_log" line');
  conf = once(conf, /\baccess_log\s+[^;]+;/, `access_log ${join(dir, 'access.log')};`, '"access_log" line');
  conf = once(conf, /\binclude\s+\S*alexa-oauth-bridge\.conf;/, `include ${join(dir, 'alexa-oauth-bridge.conf')};`, 'include of alexa-oauth-bridge.conf');
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((kind) => `    ${kind}_temp_path ${join(dir, kind)};`).join('\n');
  return once(conf, /^http\s*\{/m, `http {\n${temp}`, '"http {" line');
}

/**
 * The shipped server block, adapted to the test as a user would adapt it: its listen port, its
 * certificate paths and the daemon's address. Everything else (locations, headers, limits,
 * timeouts) is used exactly as shipped.
 */
export function adaptShippedConf(
  shipped: string,
  options: { port: number; upstreamPort: number; cert: string; key: string; underPath?: boolean; smartHome?: boolean },
): string {
  let conf = options.underPath ? underPath(shipped) : shipped;
  if (options.smartHome) conf = conf.replace(/\}\s*$/, `${commentedBlock(shipped, 'smart-home relay')}}\n`);
  // IPv6 listen lines are dropped (the test listens on 127.0.0.1 only); the IPv4 one is moved.
  conf = conf.replace(/^\s*listen\s+\[::\]:443\b[^;]*;\s*$/gm, '');
  conf = replaceOnce(conf, /\blisten\s+443\b([^;]*);/, `listen 127.0.0.1:${options.port}$1;`, '"listen 443 ssl;" line');
  conf = replaceOnce(conf, /\bserver_name\s+[^;]+;/, `server_name ${TLS_NAME};`, 'server_name line');
  conf = replaceOnce(conf, /\bssl_certificate\s+[^;]+;/, `ssl_certificate ${options.cert};`, 'ssl_certificate line');
  conf = replaceOnce(conf, /\bssl_certificate_key\s+[^;]+;/, `ssl_certificate_key ${options.key};`, 'ssl_certificate_key line');
  // The daemon's address: `server HOST:PORT ...;` inside the upstream block.
  conf = conf.replace(/(upstream\s+[\w-]+\s*\{[^}]*?)\bserver\s+[^\s;]+/, (_, head: string) => `${head}server 127.0.0.1:${options.upstreamPort}`);
  if (!conf.includes(`server 127.0.0.1:${options.upstreamPort}`)) {
    throw new Error(`${SHIPPED_CONF}: expected an "upstream NAME { server HOST:PORT; }" block naming the daemon; the nginx test points it at the test daemon`);
  }
  return conf;
}

/** The shipped config as its comments say to serve under /bridge: the root locations replaced by the commented ones. */
function underPath(shipped: string): string {
  const locations = commentedBlock(shipped, 'under a path');
  let conf = shipped;
  for (const root of [/\n\s*location \/alexa\/ \{[^}]*\}/, /\n\s*location = \/\.well-known\/oauth-authorization-server \{[^}]*\}/, /\n\s*location = \/health \{[^}]*\}/]) {
    conf = replaceOnce(conf, root, '', `root location ${root}`);
  }
  return conf.replace(/\}\s*$/, `${locations}}\n`);
}

/** The locations between `# --- NAME ---` and `# --- end ---` in the shipped config, uncommented. */
function commentedBlock(shipped: string, name: string): string {
  const block = new RegExp(`^\\s*# --- ${name} ---\\n([\\s\\S]*?)^\\s*# --- end ---$`, 'm').exec(shipped)?.[1];
  if (!block) throw new Error(`${SHIPPED_CONF}: expected a "# --- ${name} ---" … "# --- end ---" block of commented locations`);
  return block.replace(/^(\s*)# ?/gm, '$1');
}

export class Nginx {
  private exitStatus: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;
  output = '';
  readonly agent: Agent;

  private constructor(
    readonly child: ChildProcess,
    readonly dir: string,
    readonly port: number,
    /** The self-signed certificate (PEM) that requests trust. */
    readonly cert: string,
  ) {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (this.output += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.output += chunk));
    // SIGTERM: nginx's master then stops its workers too (a SIGKILLed master leaves them running).
    const reap = () => child.kill('SIGTERM');
    process.once('exit', reap);
    this.exited = new Promise((resolveExit) =>
      child.once('close', (code, signal) => {
        process.off('exit', reap);
        this.exitStatus = { code, signal };
        resolveExit();
      }),
    );
    this.agent = new Agent({ keepAlive: true, maxSockets: 8, ca: cert, servername: TLS_NAME });
  }

  static async start(options: NginxOptions): Promise<Nginx> {
    if (!existsSync(NGINX)) {
      throw new Error(`${NGINX} is missing: install Debian's nginx (apt-get install -y nginx); .ci/run does`);
    }
    const dir = await tempDir('bridge-nginx-');
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    await run('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${TLS_NAME}`,
      '-addext', `subjectAltName=DNS:${TLS_NAME}`, '-days', '1', '-keyout', key, '-out', cert,
    ]);
    const port = options.port ?? (await freePort());
    const server = adaptShippedConf(await readFile(SHIPPED_CONF, 'utf8'), { port, upstreamPort: options.upstreamPort, cert, key, underPath: options.underPath ?? false, smartHome: options.smartHome ?? false });
    await writeFile(join(dir, 'alexa-oauth-bridge.conf'), server);
    const mainConf = adaptShippedMainConf(await readFile(SHIPPED_MAIN_CONF, 'utf8'), { dir });
    await writeFile(join(dir, 'nginx.conf'), mainConf);
    const child = spawn(NGINX, ['-e', join(dir, 'error.log'), '-p', `${dir}/`, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const nginx = new Nginx(child, dir, port, await readFile(cert, 'utf8'));
    try {
      await nginx.waitReady();
    } catch (error) {
      await nginx.stop();
      throw error;
    }
    return nginx;
  }

  get running(): boolean {
    return this.exitStatus === undefined;
  }

  /** The error log and anything nginx printed, for assertion messages. */
  async diagnostics(): Promise<string> {
    const errorLog = await readFile(join(this.dir, 'error.log'), 'utf8').catch(() => '');
    return `--- nginx output ---\n${this.output}\n--- nginx error.log (tail) ---\n${errorLog.slice(-4000)}`;
  }

  async accessLog(): Promise<string> {
    return readFile(join(this.dir, 'access.log'), 'utf8').catch(() => '');
  }

  private async waitReady(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer';
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`nginx exited ${JSON.stringify(this.exitStatus)} at start-up\n${await this.diagnostics()}`);
      try {
        // Any HTTP answer over TLS means nginx is up (this path is not proxied: nginx's own 404).
        await this.request({ path: '/__nginx_ready', agent: false, timeoutMs: 1000 });
        return;
      } catch (error) {
        last = String(error);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`nginx did not answer within ${timeoutMs} ms (last: ${last})\n${await this.diagnostics()}`);
  }

  /**
   * One HTTPS request to https://bridge.test:PORT (connecting to 127.0.0.1), the certificate
   * checked against the one made for the test. `Host` defaults to bridge.test:PORT.
   */
  request(request: Omit<RawRequest, 'agent'> & { agent?: Agent | false }): Promise<RawResponse> {
    return settleRaw(
      httpsRequest({
        host: '127.0.0.1',
        port: this.port,
        servername: TLS_NAME,
        ca: this.cert,
        method: request.method ?? 'GET',
        path: request.path,
        headers: { host: `${TLS_NAME}:${this.port}`, ...request.headers },
        agent: request.agent === undefined ? this.agent : request.agent,
      }),
      request,
    );
  }

  /** A `Send` for OAuthClient. */
  get send(): Send {
    return ({ agent: _ignored, ...request }) => this.request(request);
  }

  /** Fast shutdown (SIGTERM), then wait. */
  async stop(): Promise<void> {
    this.agent.destroy();
    if (this.running) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}
