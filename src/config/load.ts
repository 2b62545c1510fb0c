import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { ZodDefault, ZodNumber, ZodOptional, ZodUnion, type z } from 'zod';
import { LOCAL_CLI } from '../cliCommand.js';
import { configSchema, envName, fileKey, settingNames, type Config, type SettingName } from './schema.js';

/** A configuration problem, said in one line that names the setting. */
export class ConfigError extends Error {}

type RawSettings = Partial<Record<SettingName, unknown>>;

export interface ConfigSources {
  /** Path of a JSON config file (`--config`), e.g. the add-on's /data/options.json. */
  file?: string | undefined;
  env: NodeJS.ProcessEnv;
  /** Command-line flags, already named as settings. */
  flags?: RawSettings;
}

/** Precedence: defaults < file < environment < command-line flags (contract). */
export function loadConfig(sources: ConfigSources): Config {
  const checked = checkConfig(sources);
  if ('problems' in checked) throw new ConfigError(checked.problems[0]!);
  return checked.config;
}

/** Where `serve --wait-for-config` listens while the configuration has problems. */
export type Listeners = Pick<Config, 'host' | 'port' | 'adminHost' | 'adminPort'>;

export type ConfigCheck = { config: Config } | { problems: string[]; listeners: Listeners };

/**
 * Like loadConfig, but a configuration with problems yields every problem (one line each, naming
 * the setting) and the listener settings that are still usable, each valid one as given and the
 * others at their defaults.
 */
export function checkConfig(sources: ConfigSources): ConfigCheck {
  const problems: string[] = [];
  let fromFile: RawSettings = {};
  if (sources.file) {
    try {
      fromFile = readConfigFile(sources.file);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error.message);
    }
  }
  const given: GivenSettings = { file: fromFile, env: readEnv(sources.env), flags: withoutEmpty(sources.flags ?? {}) };
  const merged: RawSettings = decimalNumbers({ ...given.file, ...given.env, ...given.flags });
  const hops = legacyHopCount(merged.trustProxy);
  if (hops !== undefined) merged.trustProxy = legacyTrustProxy(hops, Boolean(merged.supervisorToken));
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) problems.push(...parsed.error.issues.map((issue) => describeIssue(issue, given, sources.file)));
  if (problems.length > 0 || !parsed.success) return { problems, listeners: usableListeners(merged) };
  const settings = parsed.data;
  return {
    config: {
      ...settings,
      dataDir: isAbsolute(settings.dataDir) ? settings.dataDir : resolve(settings.dataDir),
      publicUrl: settings.publicUrl ?? defaultPublicUrl(settings.port),
      auth: settings.auth ?? (settings.supervisorToken ? 'homeassistant' : 'local'),
      ...(hops !== undefined ? { trustProxyHops: hops } : {}),
    },
  };
}

/**
 * The issuer when public_url is not set: this machine at the listener's port, so a page opened
 * on it posts back to it. Alexa cannot use it (no https); the start message says so.
 */
export function defaultPublicUrl(port: number): string {
  return `http://localhost:${port}`;
}

function usableListeners(merged: RawSettings): Listeners {
  const usable = <K extends keyof Listeners>(name: K): Listeners[K] => {
    const field = configSchema.shape[name];
    const given = field.safeParse(merged[name]);
    return (given.success ? given.data : field.parse(undefined)) as Listeners[K];
  };
  return { host: usable('host'), port: usable('port'), adminHost: usable('adminHost'), adminPort: usable('adminPort') };
}

/** The Supervisor's network, where the add-on's peers (other add-ons, the host's published port) connect from. */
export const HASSIO_NETWORK = '172.30.32.0/23';

/** `1`, `"2"`: an old `trust_proxy` hop count; anything else is a list of proxies. */
function legacyHopCount(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) return Number(value);
  return undefined;
}

/**
 * What an old hop count becomes: 0 trusted nobody and still does; any other count trusted
 * whichever peer sent the header, which is now narrowed to where a proxy of this machine
 * connects from: the Supervisor's network in the add-on, loopback elsewhere. Said at start-up.
 */
export function legacyTrustProxy(hops: number, inAddon: boolean): string[] {
  if (hops === 0) return [];
  return inAddon ? [HASSIO_NETWORK] : ['127.0.0.0/8', '::1'];
}

function readConfigFile(path: string): RawSettings {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`config file ${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ConfigError(`config file ${path} must hold a JSON object`);
  }
  const byFileKey = new Map(settingNames.map((name) => [fileKey(name), name]));
  const settings: RawSettings = {};
  for (const [key, value] of Object.entries(json)) {
    const name = byFileKey.get(key);
    if (!name) throw new ConfigError(`config file ${path}: unknown setting "${key}"`);
    settings[name] = value;
  }
  return withoutEmpty(settings);
}

function readEnv(env: NodeJS.ProcessEnv): RawSettings {
  const settings: RawSettings = {};
  for (const name of settingNames) settings[name] = env[envName(name)];
  return withoutEmpty(settings);
}

/**
 * Numbers are written in decimal. zod's coercion is JavaScript's Number(), which reads `"   "` and
 * `[]` as 0 (any free port), `true` as 1, `"0x1F90"` as 8080 and `"8e3"` as 8000; such a value is
 * made NaN here, so it is refused with the setting's usual line instead of starting on a port or
 * with a lifetime nobody wrote.
 */
const DECIMAL = /^\s*[+-]?\d+(\.\d+)?\s*$/;

function decimalNumbers(settings: RawSettings): RawSettings {
  const checked: RawSettings = { ...settings };
  for (const [name, value] of Object.entries(settings) as [SettingName, unknown][]) {
    if (!takesNumber(name) || typeof value === 'number') continue;
    // `off` is admin_port's word; every other string must be a decimal number.
    if (typeof value !== 'string' || !(DECIMAL.test(value) || value === 'off')) checked[name] = Number.NaN;
  }
  return checked;
}

/** The setting's schema without its default or optionality: what a given value must be. */
function valueSchema(name: SettingName): z.ZodType {
  let schema = configSchema.shape[name] as z.ZodType;
  while (schema instanceof ZodDefault || schema instanceof ZodOptional) schema = schema.unwrap() as z.ZodType;
  return schema;
}

/** Whether the setting's schema reads a number (admin_port: a number or `off`). */
function takesNumber(name: SettingName): boolean {
  const schema = valueSchema(name);
  if (schema instanceof ZodUnion) return (schema.options as z.ZodType[]).some((option) => option instanceof ZodNumber);
  return schema instanceof ZodNumber;
}

/** An empty string or null means "not set" in every source (an unset add-on option, `FOO=`). */
function withoutEmpty(settings: RawSettings): RawSettings {
  return Object.fromEntries(
    Object.entries(settings).filter(([, value]) => value !== undefined && value !== null && value !== ''),
  );
}

interface GivenSettings {
  file: RawSettings;
  env: RawSettings;
  flags: RawSettings;
}

/**
 * One line naming the setting as the user gave it (flag, variable or file key) with the value
 * given, and what it must be: `BRIDGE_PORT="abc": must be a whole number from 0 to 65535`.
 */
function describeIssue(issue: z.core.$ZodIssue, given: GivenSettings, file: string | undefined): string {
  const name = issue.path[0] as SettingName | undefined;
  if (!name) return `invalid configuration: ${issue.message}`;
  if (issue.code === 'unrecognized_keys') return `unknown setting: ${issue.keys.join(', ')}`;
  const problem = plainProblem(issue, name);
  // A secret is never repeated: error lines end up in logs.
  const shown = (value: unknown) => (SECRET_SETTINGS.has(name) ? '(hidden)' : JSON.stringify(value));
  if (name in given.flags) return `--${fileKey(name).replace(/_/g, '-')} ${shown(given.flags[name])}: ${problem}`;
  if (name in given.env) return `${envName(name)}=${shown(given.env[name])}: ${problem}`;
  if (name in given.file) return `${fileKey(name)} ${shown(given.file[name])} in ${file}: ${problem}`;
  return `${fileKey(name)} (${envName(name)}), not given: ${problem}`;
}

const SECRET_SETTINGS: ReadonlySet<SettingName> = new Set(['clientSecret', 'supervisorToken', 'homeAssistantToken']);

/** What the value must be, in words; for numbers, with the range the schema allows. */
function plainProblem(issue: z.core.$ZodIssue, name: SettingName): string {
  const schema = valueSchema(name);
  if (schema instanceof ZodNumber && ['invalid_type', 'too_small', 'too_big'].includes(issue.code)) {
    // An int() without max() reports the largest safe integer: no real bound.
    const bounded = (value: number | null): value is number => value !== null && Math.abs(value) < Number.MAX_SAFE_INTEGER;
    const { minValue: min, maxValue: max } = schema;
    const range = bounded(min) && bounded(max) ? `from ${min} to ${max}` : bounded(min) ? `of at least ${min}` : '';
    return `must be a ${schema.isInt ? 'whole number' : 'number'}${range ? ` ${range}` : ''}`;
  }
  if (issue.code === 'invalid_value') return `must be one of ${issue.values.map(String).join(', ')}`;
  return issue.message;
}

/**
 * What would make `serve` useless, as one line (the CLI's admin commands do not need it): Home
 * Assistant sign-in without the Supervisor's token fails for everybody.
 */
export function servingProblem(config: Config): string | undefined {
  if (config.auth === 'homeassistant' && !config.supervisorToken) {
    return `auth is homeassistant (BRIDGE_AUTH), but SUPERVISOR_TOKEN is not set, so nobody could sign in: the Home Assistant Supervisor sets it inside the add-on; outside it, use BRIDGE_AUTH=local and add users with ${LOCAL_CLI} user add`;
  }
  if (config.smartHomeClients.length > 0) {
    if (config.homeAssistantUrl && !config.homeAssistantToken) {
      return 'smart_home_clients turns on the smart-home relay, and home_assistant_url is set without home_assistant_token (BRIDGE_HOME_ASSISTANT_TOKEN): create a long-lived access token on your Home Assistant profile page and set it';
    }
    if (!config.homeAssistantUrl && !config.supervisorToken) {
      return 'smart_home_clients turns on the smart-home relay, but there is no Home Assistant to relay to: set home_assistant_url and home_assistant_token (outside the add-on)';
    }
  }
  return undefined;
}

/** Things that work but will hurt: said once at start-up. */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.accessTokenTtl < 360) {
    warnings.push(`access_token_ttl is ${config.accessTokenTtl} s; Alexa requires at least 360 s and will fail to refresh`);
  }
  if (config.auth === 'homeassistant' && !config.supervisorToken) {
    warnings.push('auth is homeassistant but SUPERVISOR_TOKEN is not set: every sign-in will fail');
  }
  if (config.publicUrl.startsWith('http://') && !/^http:\/\/(localhost|127\.|\[::1\])/.test(config.publicUrl)) {
    warnings.push(`public_url ${config.publicUrl} is not https: Alexa only links over HTTPS with a trusted certificate`);
  }
  if (config.refreshGrace !== undefined) {
    warnings.push('refresh_grace no longer has an effect and can be removed: a rotated refresh token stays valid until a newer one is used (README, "How linking works")');
  }
  if (config.trustProxyHops !== undefined) {
    warnings.push(
      `trust_proxy ${config.trustProxyHops} is a hop count, as older versions took it; it is now the list of trusted proxies, ` +
        `read as "${config.trustProxy.join(', ') || 'none'}". Set trust_proxy to your proxy's address or CIDR range ` +
        `(e.g. 127.0.0.1 for nginx on this machine, ${HASSIO_NETWORK} in the Home Assistant add-on), or leave it empty when nothing is in front`,
    );
  }
  if (config.clientId && !config.clientSecret) {
    warnings.push('client_id is set without client_secret: the configured client is registered as public (PKCE required)');
  }
  return warnings;
}
