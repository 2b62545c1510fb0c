import { z } from 'zod';

// Every setting, its default and why. A setting `fooBar` is read from the config file key
// `foo_bar`, the environment variable `BRIDGE_FOO_BAR` and (for `serve`) the flag `--foo-bar`.

const seconds = (min: number) => z.coerce.number().int().min(min);

/** An absolute http(s) URL with no query or fragment; the trailing slash is dropped. */
const httpUrl = z
  .string()
  .trim()
  .transform((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not an absolute URL' });
      return z.NEVER;
    }
    // z.url() also accepts javascript: and data: URLs, so the scheme is checked by hand.
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      ctx.addIssue({ code: 'custom', message: 'must start with https:// or http://' });
      return z.NEVER;
    }
    if (url.search || url.hash || url.username || url.password) {
      ctx.addIssue({ code: 'custom', message: 'must have no query, fragment or credentials' });
      return z.NEVER;
    }
    return url.href.replace(/\/+$/, '');
  });

/** A list given as a JSON array (file) or a comma-separated string (environment, flag). */
const stringList = z.preprocess(
  (value) =>
    typeof value === 'string'
      ? value.split(',').map((item) => item.trim()).filter((item) => item !== '')
      : value,
  z.array(z.string().trim().min(1)),
);

export const configSchema = z
  .object({
    /** Where every persistent file lives. The add-on sets /data. */
    dataDir: z.string().min(1).default('./data'),
    /** Public listener address; loopback by default so nothing is exposed until a proxy is set up. */
    host: z.string().min(1).default('127.0.0.1'),
    /** Public listener port; 8096 is what Alexa guides for Music Assistant use. */
    port: z.coerce.number().int().min(0).max(65535).default(8096),
    /** The issuer. Every URL the server emits is built from it, never from request headers. */
    publicUrl: httpUrl.default('http://localhost:8096'),
    /** How many reverse-proxy hops' X-Forwarded-For / -Proto are believed; 0 ignores them. */
    trustProxy: z.coerce.number().int().min(0).max(10).default(0),
    /** Authorization code lifetime: long enough for a slow phone, short per RFC 6749 §4.1.2 (≤ 10 min). */
    codeTtl: seconds(10).max(600).default(300),
    /** Access token lifetime. Alexa refreshes when it expires; it wants at least 360 s. */
    accessTokenTtl: seconds(60).default(3600),
    /** Refresh token idle lifetime (90 days), renewed on every refresh. */
    refreshTokenTtl: seconds(3600).default(7_776_000),
    /** How long a just-rotated refresh token may be retried (Alexa retries lost responses). */
    refreshGrace: seconds(0).max(3600).default(60),
    /** pino level for stdout. */
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
    /** Who may sign in: `local` users (CLI) or Home Assistant accounts via the Supervisor. Default set at load. */
    auth: z.enum(['local', 'homeassistant']).optional(),
    /** The Supervisor's API, used for `homeassistant` sign-in. */
    supervisorUrl: httpUrl.default('http://supervisor'),
    /** The Supervisor's token; the Supervisor sets SUPERVISOR_TOKEN in the add-on. */
    supervisorToken: z.string().min(1).optional(),
    /** Usernames allowed to sign in; empty allows every user the auth backend accepts. */
    allowedUsers: stringList.default([]),
    /** An Alexa client kept registered from configuration (the add-on's options): its id... */
    clientId: z.string().trim().min(1).max(200).optional(),
    /** ...its secret (a change replaces the stored one at start-up)... */
    clientSecret: z.string().min(16, 'must be at least 16 characters').max(512).optional(),
    /** ...the Alexa vendor id that yields its three regional redirect URIs... */
    alexaVendorId: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9]{6,40}$/, 'must be letters and digits, as shown in the Alexa console')
      .optional(),
    /** ...and the scopes it may ask for. */
    scopes: stringList.default(['alexa']),
  })
  .strict();

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema> & { auth: 'local' | 'homeassistant' };
export type SettingName = keyof z.output<typeof configSchema>;

export const settingNames = Object.keys(configSchema.shape) as SettingName[];

/** `accessTokenTtl` → `access_token_ttl` (file key); the env name is `BRIDGE_` + its upper case. */
export function fileKey(name: SettingName): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

export function envName(name: SettingName): string {
  // The Supervisor's own variable keeps its name.
  if (name === 'supervisorToken') return 'SUPERVISOR_TOKEN';
  return `BRIDGE_${fileKey(name).toUpperCase()}`;
}
