import { z } from 'zod';
import { parseAddressRange } from '../net/addresses.js';

// Every setting, its default and why. A setting `fooBar` is read from the config file key
// `foo_bar`, the environment variable `BRIDGE_FOO_BAR` and (for `serve`) the flag `--foo-bar`.

const seconds = (min: number) => z.coerce.number().int().min(min);

/** An absolute http(s) URL with no query or fragment; the trailing slash is dropped. */
const httpUrl = z
  .string()
  .trim()
  // It goes into every redirect's Location (as `iss`), which a proxy's header buffer must hold.
  .max(256)
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
    // Port 0 is "any free port" to a listener, and no port anyone can connect to.
    if (url.port === '0') {
      ctx.addIssue({ code: 'custom', message: `names port 0, which nothing can connect to: give the port people connect to (${url.protocol}//${url.hostname}:PORT), or none for ${url.protocol === 'https:' ? '443' : '80'}` });
      return z.NEVER;
    }
    // A bare `?` or `#` leaves search and hash empty but stays in href, and every URL built on it.
    if (/[?#]/.test(url.href) || url.username || url.password) {
      ctx.addIssue({ code: 'custom', message: 'must have no query, fragment or credentials' });
      return z.NEVER;
    }
    return url.href.replace(/\/+$/, '');
  });

/**
 * A bearer credential the bridge sends to Home Assistant or the Supervisor: RFC 6750 §2.1's
 * b64token, which every Home Assistant token (a JWT) is. Anything else (a line break or a
 * zero-width space pasted in) cannot be an HTTP header value, and fetch's error would quote it.
 */
const bearerCredential = z
  .string()
  .trim()
  .min(1)
  .max(4096)
  .regex(/^[A-Za-z0-9\-._~+/]+=*$/, 'must be the token exactly as Home Assistant shows it: letters, digits and - . _ ~ + /, no spaces, line breaks or other characters');

/**
 * A list given as a JSON array (file) or a comma-separated string (environment, flag). Blank
 * items are dropped in both: an empty row left in the add-on's list editor is not a value.
 */
const stringList = z.preprocess(
  (value) => {
    const items = typeof value === 'string' ? value.split(',') : value;
    return Array.isArray(items) ? items.filter((item) => !(typeof item === 'string' && item.trim() === '')) : items;
  },
  z.array(z.string().trim().min(1)),
);

/** Addresses or CIDR ranges, as a list or comma-separated; each kept as `address/prefix`. */
const addressRanges = stringList.transform((items, ctx) =>
  items.flatMap((item) => {
    const range = parseAddressRange(item);
    if (typeof range === 'string') {
      ctx.addIssue({ code: 'custom', message: range });
      return [];
    }
    return [`${range.address}/${range.prefix}`];
  }),
);

export const configSchema = z
  .object({
    /** Where every persistent file lives. The add-on sets /data. */
    dataDir: z.string().min(1).default('./data'),
    /** Public listener address; loopback by default so nothing is exposed until a proxy is set up. */
    host: z.string().min(1).default('127.0.0.1'),
    /** Public listener port; 8096 is what Alexa guides for Music Assistant use. */
    port: z.coerce.number().int().min(0).max(65535).default(8096),
    /**
     * The issuer. Every URL the server emits is built from it, never from request headers.
     * Unset, it is http://localhost:<port> (set at load, and after listening when port is 0).
     */
    publicUrl: httpUrl.optional(),
    /**
     * The reverse proxies whose X-Forwarded-For is believed: addresses or CIDR ranges (Home
     * Assistant's `trusted_proxies`); forwarded headers from any other peer are ignored. An old
     * hop count is read by `loadConfig` (see `legacyTrustProxy`).
     */
    trustProxy: addressRanges.default([]),
    /** Authorization code lifetime: long enough for a slow phone, short per RFC 6749 §4.1.2 (≤ 10 min). */
    codeTtl: seconds(10).max(600).default(300),
    /** Access token lifetime. Alexa refreshes when it expires; it wants at least 360 s. */
    accessTokenTtl: seconds(60).default(3600),
    /** Refresh token idle lifetime (90 days), renewed on every refresh. */
    refreshTokenTtl: seconds(3600).default(7_776_000),
    /**
     * Retired in 0.2: a rotated refresh token now stays valid until a later one is used, whatever
     * the time (src/oauth/grants/refreshToken.ts). Still read, so an old config file starts; a
     * value only brings a start-up warning.
     */
    refreshGrace: seconds(0).max(3600).optional(),
    /** pino level for stdout and the log files. */
    logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
    /** Size of one log file in the data dir's logs/ folder, MB, before it rolls over. */
    logFileMb: z.coerce.number().min(0.01).max(1024).default(10),
    /** How many log files are kept, the current one included; 0 writes no log files (stdout only). */
    logFiles: z.coerce.number().int().min(0).max(100).default(5),
    /** Who may sign in: `local` users (CLI) or Home Assistant accounts via the Supervisor. Default set at load. */
    auth: z.enum(['local', 'homeassistant']).optional(),
    /** The Supervisor's API, used for `homeassistant` sign-in. */
    supervisorUrl: httpUrl.default('http://supervisor'),
    /** The Supervisor's token; the Supervisor sets SUPERVISOR_TOKEN in the add-on. */
    supervisorToken: bearerCredential.optional(),
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
    // Abuse limits. Alexa refreshes about once an hour per linked account, so real traffic stays
    // far below every one of them; they exist for password guessing and floods.
    /** Consecutive failed sign-ins for one username from one address before that pair is blocked. */
    signInFailureLimit: z.coerce.number().int().min(1).default(5),
    /** First block of such a pair, seconds; each further block within a day doubles it, up to a day. */
    signInBlockSeconds: seconds(1).max(86_400).default(60),
    /** Failed sign-ins from one address in a day, whatever the username, before the address is blocked for a day. */
    signInDailyFailureLimit: z.coerce.number().int().min(1).default(100),
    /** Failed sign-ins for one username in a day, whatever the address (guessing spread over many), before the username is blocked for the rest of that day. */
    signInUsernameDailyFailureLimit: z.coerce.number().int().min(1).default(30),
    /** Requests per minute from one address to the token, revoke and introspect endpoints. */
    apiRequestsPerMinute: z.coerce.number().int().min(1).default(300),
    /** Requests per minute by one authenticated client to those endpoints (a skill backend introspects per voice command). */
    clientRequestsPerMinute: z.coerce.number().int().min(1).default(600),
    /** Failed client authentications from one address in 10 minutes before it is blocked for 10 minutes. */
    clientAuthFailureLimit: z.coerce.number().int().min(1).default(20),
    // The smart-home relay (src/smartHome/): POST /api/alexa/smart_home carried to Home Assistant.
    /**
     * The clients whose access tokens may carry Alexa Smart Home directives to Home Assistant
     * (the smart-home skill's client ids). Empty, the relay is off and its path answers 404.
     */
    smartHomeClients: stringList.default([]),
    /**
     * Home Assistant's own URL as the bridge reaches it, e.g. http://homeassistant.local:8123.
     * Unset in the add-on, the Supervisor's Home Assistant API proxy (supervisor_url + /core).
     */
    homeAssistantUrl: httpUrl.optional(),
    /** A long-lived access token of a Home Assistant user, for home_assistant_url. A secret: never logged. */
    homeAssistantToken: bearerCredential.optional(),
    /**
     * Seconds a directive waits for Home Assistant before the bridge answers 504 itself: well
     * inside Alexa's 8 s for a Smart Home directive, with the Lambda's own time on top.
     */
    smartHomeTimeout: z.coerce.number().min(0.05).max(7.5).default(6.5),
    // The admin page and linking diagnostics.
    /** Admin page listener address: loopback; 0.0.0.0 in the add-on, where only the ingress proxy's address is let in. */
    adminHost: z.string().min(1).default('127.0.0.1'),
    /** Admin page listener port (the add-on's ingress_port); 0 picks a free one, `off` serves no admin page. */
    adminPort: z
      .union([z.literal('off'), z.coerce.number().int().min(0).max(65535)], { error: 'must be a port number, 0 for any free one, or off' })
      .default(8097),
    /** How many authorization attempts flows.json keeps for `flows` and the admin page. */
    flowsKept: z.coerce.number().int().min(10).max(10_000).default(200),
    /** How long an attempt's record is kept after its last step, seconds (30 days). */
    flowsMaxAge: seconds(3600).default(2_592_000),
  })
  .strict()
  .superRefine((settings, ctx) => {
    // The admin page must never be reachable through the public listener and its proxy.
    if (settings.adminPort !== 'off' && settings.adminPort !== 0 && settings.adminPort === settings.port) {
      ctx.addIssue({ code: 'custom', path: ['adminPort'], message: `must differ from port (${settings.port}): the admin page is never served on the public port` });
    }
    // The client kept from configuration gets its redirect URIs only from the vendor id.
    if (settings.clientId && !settings.alexaVendorId) {
      ctx.addIssue({ code: 'custom', path: ['alexaVendorId'], message: `is needed with client_id (${settings.clientId}): Alexa's redirect URIs are made from it` });
    }
  });

export type Config = z.output<typeof configSchema> & {
  auth: 'local' | 'homeassistant';
  publicUrl: string;
  /** The old hop count `trust_proxy` was given as, when it was read as a list of proxies instead. */
  trustProxyHops?: number;
};
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
