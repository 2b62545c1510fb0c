import { resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { checkConfig, ConfigError, loadConfig, servingProblem, type ConfigSources } from '../config/load.js';
import { configuredClientProblem } from '../services/clients.js';
import type { Config } from '../config/schema.js';
import type { AdminCommandName } from '../control/commands.js';
import { CommandFailure } from '../services/failure.js';
import { DataFileError } from '../storage/snapshotAdapter.js';
import { DEFAULT_SECRET_OVERLAP_MS } from '../services/clients.js';
import { LockHeldError } from '../control/lock.js';
import { VERSION } from '../version.js';
import { DEFAULT_ATTEMPTS_LISTED } from '../diagnostics/attemptViews.js';
import { formatDoctorReport, formatFlowDetail, formatFlowList } from './diagnosticsOutput.js';
import { formatRecord, formatTable } from './output.js';
import { runCommandSomewhere, runInDaemon } from './runAdminCommand.js';
import { LOCAL_CLI, shellWord } from '../cliCommand.js';

interface GlobalOptions {
  dataDir?: string;
  config?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Runs the command line; resolves to the exit status (0 done, 1 failed, 2 usage). */
export async function runCli(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof ConfigError || error instanceof CommandFailure || error instanceof DataFileError || error instanceof LockHeldError) {
      process.stderr.write(`alexa-oauth-bridge: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(`alexa-oauth-bridge: ${(error as Error).message ?? String(error)}\n`);
    return 1;
  }
}

function buildProgram(): Command {
  const program = new Command(LOCAL_CLI)
    .description('OAuth 2 authorization server for Alexa account linking with Home Assistant')
    .version(VERSION)
    .option('--data-dir <dir>', 'where every persistent file lives (BRIDGE_DATA_DIR)')
    .option('--config <file>', 'JSON config file, e.g. /data/options.json')
    .exitOverride()
    .showHelpAfterError()
    .configureOutput({ outputError: (text, write) => write(text) });

  const sourcesOf = (command: Command, flags: Partial<Record<keyof Config, unknown>>): ConfigSources => {
    const globals = command.optsWithGlobals<GlobalOptions>();
    return { file: globals.config, env: process.env, flags: { dataDir: globals.dataDir, ...flags } };
  };
  const configOf = (command: Command, flags: Partial<Record<keyof Config, unknown>> = {}): Config => loadConfig(sourcesOf(command, flags));
  const checkConfigOf = (command: Command, flags: Partial<Record<keyof Config, unknown>>) => checkConfig(sourcesOf(command, flags));

  program
    .command('serve')
    .description('run the daemon')
    .option('--host <host>', 'listen address (BRIDGE_HOST)')
    .option('--port <port>', 'listen port (BRIDGE_PORT)')
    .option('--public-url <url>', 'the issuer, as Alexa reaches it (BRIDGE_PUBLIC_URL)')
    .option('--log-level <level>', 'trace..fatal (BRIDGE_LOG_LEVEL)')
    .option(
      '--wait-for-config',
      'on a configuration problem, stay up and list it on /health and the admin page instead of exiting (the add-on: its watchdog restarts a daemon that exits)',
    )
    .action(async (options: { host?: string; port?: string; publicUrl?: string; logLevel?: string; waitForConfig?: boolean }, command: Command) => {
      const { waitForConfig, ...flags } = options;
      // Loaded only here, so admin commands do not pay for loading the whole daemon.
      const { serve } = await import('./serve.js');
      if (!waitForConfig) return serve(configOf(command, flags));
      const checked = checkConfigOf(command, flags);
      const problems = 'problems' in checked
        ? checked.problems
        : [servingProblem(checked.config), configuredClientProblem(checked.config)].filter((p) => p !== undefined);
      if ('config' in checked && problems.length === 0) return serve(checked.config);
      const { waitForConfig: wait } = await import('../setup/waitForConfig.js');
      const listeners = 'listeners' in checked ? checked.listeners : checked.config;
      await wait(problems, listeners, (line) => process.stderr.write(`alexa-oauth-bridge: ${line}\n`));
    });

  const client = program.command('client').description('the applications (Alexa skills) that may link');
  client
    .command('add <client_id>')
    .description('register a client; a confidential one without --secret gets a generated secret')
    .option('--alexa-vendor-id <id>', "register Alexa's three regional redirect URIs for this vendor id")
    .option('--redirect-uri <uri>', 'an allowed redirect URI (repeatable)', collect)
    .addOption(new Option('--secret <secret>', 'the client secret (at least 16 characters)').conflicts('public'))
    .option('--public', 'a public client: no secret, PKCE required')
    .option('--scope <scope>', 'a scope the client may ask for (repeatable; default alexa)', collect)
    .option('--name <text>', 'the name shown on the consent page')
    .addOption(
      new Option('--backend-for <client_id>', "a backend client (the skill's backend) that may introspect this client's tokens (repeatable); it has no redirect URIs and cannot link")
        .argParser(collect)
        .conflicts(['public', 'redirectUri', 'alexaVendorId', 'scope']),
    )
    .option('--json', 'print {"client_id","client_secret"} as JSON')
    .action(async (id: string, options: ClientAddOptions, command: Command) => {
      const result = await admin(command, 'client add', {
        id,
        name: options.name,
        redirectUris: options.redirectUri,
        alexaVendorId: options.alexaVendorId,
        secret: options.secret,
        public: options.public,
        scopes: options.scope,
        backendFor: options.backendFor,
      });
      const { warnings, ...credentials } = result;
      for (const warning of warnings) warn(warning);
      if (options.json) return print(JSON.stringify(credentials));
      print(`Added client ${result.client_id}.`);
      if (result.client_secret) print(`Client secret (shown only now, stored hashed): ${result.client_secret}`);
    });
  listCommand(client, 'list clients', 'client list', ['client_id', 'type', 'name', 'scopes', 'redirect_uris', 'backend_for']);
  client
    .command('show <client_id>')
    .description('show one client')
    .option('--json', 'print JSON')
    .action(async (id: string, options: JsonOption, command: Command) => {
      const shown = await admin(command, 'client show', { id });
      print(options.json ? JSON.stringify(shown) : formatRecord(shown));
    });
  client
    .command('remove <client_id>')
    .description('remove a client and revoke its linked accounts')
    .action(async (id: string, _options: unknown, command: Command) => {
      const result = await admin(command, 'client remove', { id });
      print(`Removed client ${result.removed}; ${result.grants_revoked} linked account(s) revoked.`);
    });
  client
    .command('update <client_id>')
    .description("change redirect URIs, name, scopes or public/confidential (a backend client: whom it serves); every linked account stays linked")
    .option('--add-redirect-uri <uri>', 'allow one more redirect URI (repeatable)', collect)
    .option('--remove-redirect-uri <uri>', 'stop allowing this redirect URI, exactly as registered (repeatable)', collect)
    .option('--alexa-vendor-id <id>', "replace every Alexa redirect URI by Alexa's three regional ones for this vendor id")
    .option('--scope <scope>', 'the scopes it may ask for, replacing the current ones (repeatable); links keep theirs', collect)
    .option('--name <text>', 'the name shown on the consent page')
    .option('--backend-for <client_id>', 'a backend client: the clients it serves, replacing the current ones (repeatable)', collect)
    .addOption(new Option('--public', 'make it a public client: its secret is dropped, PKCE is required').conflicts(['confidential', 'secret']))
    .option('--confidential', 'make a public client confidential, with a generated secret')
    .option('--secret <secret>', 'make a public client confidential with this secret (at least 16 characters)')
    .option('--json', 'print the client as JSON (with "client_secret" when it has just become confidential)')
    .action(async (id: string, options: ClientUpdateOptions, command: Command) => {
      const { client: updated, warnings, client_secret: secret } = await admin(command, 'client update', {
        id,
        name: options.name,
        addRedirectUris: options.addRedirectUri,
        removeRedirectUris: options.removeRedirectUri,
        alexaVendorId: options.alexaVendorId,
        scopes: options.scope,
        backendFor: options.backendFor,
        type: options.public ? 'public' : options.confidential ? 'confidential' : undefined,
        secret: options.secret,
      });
      for (const warning of warnings) warn(warning);
      if (options.json) return print(JSON.stringify(secret ? { ...updated, client_secret: secret } : updated));
      print(`Updated client ${id}; its linked accounts stay linked.\n${formatRecord(updated)}`);
      if (secret) print(`Client secret (shown only now, stored hashed): ${secret}`);
    });
  client
    .command('rotate-secret <client_id>')
    .description('make a new secret; the old one keeps working for a while (--keep-old), so Alexa does not fail meanwhile')
    .option('--keep-old <duration>', `how long the old secret keeps working: e.g. 24h, 30m, 7d, or 0 to end it at once (default ${formatDuration(DEFAULT_SECRET_OVERLAP_MS)})`, parseDuration)
    .option('--json', 'print {"client_id","client_secret","old_secret_valid_until"} as JSON')
    .action(async (id: string, options: JsonOption & { keepOld?: number }, command: Command) => {
      const result = await admin(command, 'client rotate-secret', { id, keepOldMs: options.keepOld });
      if (options.json) return print(JSON.stringify(result));
      print(`New client secret for ${id} (shown only now): ${result.client_secret}`);
      print(
        result.old_secret_valid_until
          ? `The old secret keeps working until ${result.old_secret_valid_until}. Save the new one where the old one is used (the Alexa console's “Your Secret”, or a backend client's service), then end the overlap: ${LOCAL_CLI} client end-overlap ${shellWord(id)}`
          : 'The old secret no longer works.',
      );
    });
  client
    .command('end-overlap <client_id>')
    .description('stop accepting the old secret after a rotate-secret, before its time is up')
    .action(async (id: string, _options: unknown, command: Command) => {
      const result = await admin(command, 'client end-overlap', { id });
      print(result.ended ? `The old secret of ${id} no longer works.` : `Client ${id} had no old secret still working; nothing changed.`);
    });

  const user = program.command('user').description('local users who may sign in (auth = local)');
  user
    .command('add <username>')
    .description('add a user; the password is read from standard input')
    .requiredOption('--password-stdin', 'read the password from standard input')
    .action(async (username: string, _options: unknown, command: Command) => {
      const result = await admin(command, 'user add', { username, password: await readPassword() });
      print(`Added user ${result.added}.`);
    });
  user
    .command('passwd <username>')
    .description("change a user's password, read from standard input")
    .requiredOption('--password-stdin', 'read the password from standard input')
    .action(async (username: string, _options: unknown, command: Command) => {
      const result = await admin(command, 'user passwd', { username, password: await readPassword() });
      print(`Changed the password of ${result.changed}.`);
    });
  listCommand(user, 'list users', 'user list', ['username', 'linked_accounts', 'created_at']);
  user
    .command('remove <username>')
    .description('remove a user and revoke their linked accounts')
    .action(async (username: string, _options: unknown, command: Command) => {
      const result = await admin(command, 'user remove', { username });
      print(`Removed user ${result.removed}; ${result.grants_revoked} linked account(s) revoked.`);
    });

  const grant = program.command('grant').description('linked accounts');
  listCommand(grant, 'list linked accounts', 'grant list', ['grant_id', 'client_id', 'username', 'status', 'linked_at', 'last_refresh_at']);
  grant
    .command('revoke <grant_id>')
    .description('end a linked account: its tokens stop working at once')
    .action(async (id: string, _options: unknown, command: Command) => {
      const result = await admin(command, 'grant revoke', { id });
      print(`Revoked grant ${result.revoked}.`);
    });

  const flows = program
    .command('flows')
    .description('recent authorization attempts: how far each got and why it stopped')
    .option('--last <n>', `how many, newest first (default ${DEFAULT_ATTEMPTS_LISTED})`, parseCount)
    .option('--json', 'print JSON')
    .action(async (options: JsonOption & { last?: number }, command: Command) => {
      const list = await admin(command, 'flows list', { last: options.last });
      print(options.json ? JSON.stringify(list) : formatFlowList(list));
    });
  flows
    .command('show <flow_id>')
    .description('one attempt step by step, with the diagnosis and the fix')
    .option('--json', 'print JSON')
    .action(async (id: string, _options: JsonOption, command: Command) => {
      const detail = await admin(command, 'flows show', { id });
      // `flows` has --json too, and commander gives an option to the first command that knows it.
      print(command.optsWithGlobals<JsonOption>().json ? JSON.stringify(detail) : formatFlowDetail(detail));
    });

  program
    .command('admin-link')
    .description("print a one-time link that signs this machine's browser in to the admin page (works once, within 10 minutes)")
    .option('--json', 'print {"url","expires_at"} as JSON')
    .action(async (options: JsonOption, command: Command) => {
      const link = (await runInDaemon(configOf(command), 'admin link')) as { url: string; expires_at: string };
      if (options.json) return print(JSON.stringify(link));
      print(`Open this link in a browser on this machine (it works once, until ${link.expires_at}):`);
      print(link.url);
    });

  program
    .command('backup <directory>')
    .description('write a consistent copy of the data files into a new or empty directory; the daemon keeps serving')
    .option('--json', 'print JSON')
    .action(async (directory: string, options: JsonOption, command: Command) => {
      const result = await admin(command, 'backup', { directory: resolve(directory) });
      if (options.json) return print(JSON.stringify(result));
      print(`Backup written to ${result.directory}: ${result.files.join(', ')} (${result.clients} client(s), ${result.users} user(s), ${result.grants} linked account(s)).`);
      print('To restore: stop the daemon, copy these files into an empty data dir, start it.');
    });

  program
    .command('doctor')
    .description('check the set-up, from the configuration to what Amazon sees at the public URL')
    .option('--json', 'print JSON')
    .action(async (options: JsonOption, command: Command) => {
      const report = await admin(command, 'doctor', {});
      print(options.json ? JSON.stringify(report) : formatDoctorReport(report));
      const failed = report.checks.filter((check) => check.status === 'fail').length;
      if (failed > 0) throw new CommandFailure(`doctor: ${failed} check${failed === 1 ? '' : 's'} failed`);
    });

  for (const command of [program, ...program.commands, ...program.commands.flatMap((c) => c.commands)]) {
    command.exitOverride().showHelpAfterError();
  }
  return program;

  function admin<N extends AdminCommandName>(command: Command, name: N, args: Parameters<typeof runCommandSomewhere<N>>[2]) {
    return runCommandSomewhere(configOf(command), name, args);
  }

  /** `<parent> list [--json]`: an aligned table for people, or JSON. */
  function listCommand(parent: Command, description: string, name: 'client list' | 'user list' | 'grant list', columns: string[]): void {
    parent
      .command('list')
      .description(description)
      .option('--json', 'print JSON')
      .action(async (options: JsonOption, command: Command) => {
        const rows = await admin(command, name, undefined);
        print(options.json ? JSON.stringify(rows) : formatTable(rows, columns));
      });
  }
}

interface JsonOption {
  json?: boolean;
}

interface ClientAddOptions extends JsonOption {
  alexaVendorId?: string;
  redirectUri?: string[];
  secret?: string;
  public?: boolean;
  scope?: string[];
  name?: string;
  backendFor?: string[];
}

interface ClientUpdateOptions extends JsonOption {
  addRedirectUri?: string[];
  removeRedirectUri?: string[];
  alexaVendorId?: string;
  scope?: string[];
  name?: string;
  backendFor?: string[];
  public?: boolean;
  confidential?: boolean;
  secret?: string;
}

const DURATION_UNITS_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `90s`, `30m`, `24h`, `7d`, or `0`, to milliseconds. */
function parseDuration(value: string): number {
  const match = /^(\d+)([smhd])$/.exec(value.trim()) ?? (value.trim() === '0' ? ['0', '0', 's'] : null);
  if (!match) throw new InvalidArgumentError('give a number with a unit, e.g. 24h, 30m, 7d, 90s, or 0');
  return Number(match[1]) * DURATION_UNITS_MS[match[2] as keyof typeof DURATION_UNITS_MS];
}

function formatDuration(ms: number): string {
  const [unit, size] = Object.entries(DURATION_UNITS_MS).reverse().find(([, size]) => ms % size === 0) ?? ['s', 1000];
  return `${ms / size}${unit}`;
}

function warn(text: string): void {
  process.stderr.write(`warning: ${text}\n`);
}

function parseCount(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) throw new InvalidArgumentError('give a whole number of at least 1');
  return count;
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** The whole of standard input, without the final newline `echo` adds. */
async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) throw new CommandFailure(`--password-stdin reads a piped password, e.g. printf %s "$PW" | ${LOCAL_CLI} user add NAME --password-stdin`);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
