import { constants } from 'node:fs';
import { access, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { configWarnings } from '../config/load.js';
import type { BridgeContext } from '../context.js';
import { alexaRegionOf, redirectUriDifferences } from '../oauth/redirectUriDifferences.js';
import { formatDuration, listOf } from '../text/prose.js';
import { ALEXA_REDIRECT_HOSTS, alexaRedirectUris } from '../services/clients.js';
import type { ClientRecord } from '../storage/records.js';
import { forwardJumpDoubt, lastSeenTime } from '../upkeep/clockWatch.js';
import { fail, pass, warn, type Check } from './check.js';
import { LOCAL_CLI, shellWord } from '../cliCommand.js';

// What `doctor` can tell from this machine alone: configuration, data dir, clients, lifetimes.

/** Alexa refuses to link when an access token lives shorter than this. */
const ALEXA_MIN_ACCESS_TOKEN_S = 360;
/** Links of skills unused for longer than the refresh token's idle lifetime must be made again. */
const REFRESH_TOKEN_WARN_BELOW_S = 30 * 86_400;

export function checkConfiguration(context: BridgeContext): Check {
  const warnings = configWarnings(context.config);
  const summary = `loaded: issuer ${context.config.publicUrl}, sign-in ${context.config.auth}, data dir ${context.config.dataDir}`;
  if (warnings.length === 0) return pass('config', 'Configuration', summary);
  return warn('config', 'Configuration', `${summary}; ${warnings.join('; ')}`, 'See each warning; they are also logged at start-up.');
}

export async function checkDataDir(context: BridgeContext): Promise<Check> {
  const title = 'Data directory';
  const dir = context.config.dataDir;
  let mode: number;
  let uid: number;
  try {
    ({ mode, uid } = await stat(dir));
    await access(dir, constants.W_OK);
    const probe = join(dir, '.doctor-probe');
    await writeFile(probe, 'probe\n', { mode: 0o600 });
    await rm(probe);
  } catch (error) {
    return fail('data-dir', title, `${dir} cannot be written: ${(error as NodeJS.ErrnoException).code ?? error}`, `Make ${dir} exist and belong to the user the bridge runs as.`);
  }
  const problems: string[] = [];
  if (mode & 0o077) problems.push(`${dir} is open to others (mode ${(mode & 0o777).toString(8)})`);
  const exposed: string[] = [];
  for (const name of await readdir(dir)) {
    if (!/\.(json|journal|bak)$/.test(name)) continue;
    const file = await stat(join(dir, name));
    if (file.mode & 0o077) exposed.push(name);
  }
  if (exposed.length) problems.push(`${listOf(exposed)} can be read by others`);
  if (process.getuid && uid !== process.getuid()) problems.push(`${dir} belongs to uid ${uid}, the bridge runs as ${process.getuid()}`);
  if (problems.length === 0) return pass('data-dir', title, `${dir} is writable and only its owner's`);
  return warn('data-dir', title, `${dir} is writable, but ${listOf(problems)}; it holds password and secret hashes`, `chmod 700 '${dir}' && chmod 600 '${dir}'/*`);
}

/**
 * Journal lines found damaged at a start (see DataFile.keepAside) wait in `<journal>.damaged`
 * files: their changes are not in the store, and only a person can tell what they were.
 */
export async function checkDamagedJournals(context: BridgeContext): Promise<Check> {
  const dir = context.config.dataDir;
  const title = 'Damaged journal lines';
  const found: string[] = [];
  for (const name of (await readdir(dir).catch(() => [] as string[])).filter((entry) => entry.endsWith('.journal.damaged')).sort()) {
    const text = await readFile(join(dir, name), 'utf8').catch(() => '');
    const headers = [...text.matchAll(/^# (\S+) line (\d+), kept aside (\S+)$/gm)].map((match) => `${match[1]} line ${match[2]} (kept aside ${match[3]})`);
    found.push(`${name}: ${listOf(headers.length > 0 ? headers : ['unreadable'])}`);
  }
  if (found.length === 0) return pass('damaged-journal', title, 'none');
  return warn(
    'damaged-journal',
    title,
    `lines that could not be read when the store was opened, so their changes are not in it: ${found.join('; ')}`,
    `Read the file(s) in ${dir}: a lost link is made again by linking the skill, a lost client or user change by running its command again. Then move the file away; it is never read back.`,
  );
}

/** The clock against the last time the data dir saw: a clock far ahead stops upkeep from deleting (ClockWatch). */
export async function checkClockAgainstDataDir(context: BridgeContext): Promise<Check> {
  const title = 'Clock against the data dir';
  const lastSeen = await lastSeenTime(context.config.dataDir, context.store);
  const doubt = forwardJumpDoubt(lastSeen, context.clock());
  if (!doubt) return pass('clock-data-dir', title, lastSeen === undefined ? 'nothing seen yet' : `last seen ${new Date(lastSeen).toISOString()}`);
  return warn(
    'clock-data-dir',
    title,
    `${doubt}: upkeep deletes no link, code or flow record until the clock has kept pace for a day`,
    'If the clock is wrong, fix its time source (NTP); nothing was deleted. If it is right (the bridge was off that long), nothing needs doing: upkeep catches up by itself.',
  );
}

export function checkTokenLifetimes(context: BridgeContext): Check {
  const { codeTtl, accessTokenTtl, refreshTokenTtl } = context.config;
  const title = 'Token lifetimes';
  const summary = `code ${formatDuration(codeTtl * 1000)}, access token ${formatDuration(accessTokenTtl * 1000)}, refresh token ${formatDuration(refreshTokenTtl * 1000)} idle`;
  if (accessTokenTtl < ALEXA_MIN_ACCESS_TOKEN_S) {
    return fail('lifetimes', title, `${summary}: Alexa needs access tokens that live at least ${ALEXA_MIN_ACCESS_TOKEN_S} s`, `Set access_token_ttl to ${ALEXA_MIN_ACCESS_TOKEN_S} or more (3600 is usual).`);
  }
  if (refreshTokenTtl < REFRESH_TOKEN_WARN_BELOW_S) {
    return warn('lifetimes', title, `${summary}: Alexa refreshes only when the skill is used, so a link unused for ${formatDuration(refreshTokenTtl * 1000)} breaks`, 'Raise refresh_token_ttl (the default is 90 days).');
  }
  return pass('lifetimes', title, `${summary}: within Alexa's limits`);
}

/** Each client's redirect URIs against Alexa's: all three regions, exactly as Amazon writes them. */
export function checkClients(context: BridgeContext): Check[] {
  const clients = [...context.store.clients.values()];
  if (clients.length === 0) {
    return [fail('clients', 'Clients', 'no client is registered, so no skill can link', `${LOCAL_CLI} client add alexa --alexa-vendor-id YOUR_VENDOR_ID (or set client_id in the add-on options).`)];
  }
  const now = context.clock();
  return [...clients.map(checkClient), ...clients.flatMap((client) => checkSecretOverlap(client, now))];
}

/** A rotation's overlap still running: both secrets work until it ends (see rotateClientSecret). */
function checkSecretOverlap(client: ClientRecord, now: number): Check[] {
  const until = client.previousSecret?.until;
  if (until === undefined || until <= now) return [];
  return [
    warn(
      `secret-overlap:${client.id}`,
      `Old secret of ${client.id}`,
      `the secret replaced by rotate-secret still works until ${new Date(until).toISOString()} (${formatDuration(until - now)} from now)`,
      `Once the new secret is saved ${client.backendFor ? 'in the backend (the skill\'s service that introspects)' : 'in the Alexa console'}, end the overlap: ${LOCAL_CLI} client end-overlap ${shellWord(client.id)}`,
    ),
  ];
}

function checkClient(client: ClientRecord): Check {
  const id = `client:${client.id}`;
  const title = `Client ${client.id}`;
  if (client.backendFor) {
    if (client.backendFor.length === 0) {
      return warn(id, title, 'a backend client that serves no client any more (the ones it served were removed)', `Remove it (${LOCAL_CLI} client remove ${shellWord(client.id)}) or add it again with --backend-for.`);
    }
    return pass(id, title, `backend for ${listOf(client.backendFor)}: may introspect their tokens, links nobody`);
  }
  const alexaLike = client.redirectUris.filter((uri) => ALEXA_REDIRECT_HOSTS.some((host) => uri.toLowerCase().includes(host)));
  if (alexaLike.length === 0) {
    return warn(id, title, `no Alexa redirect URI is registered (${listOf(client.redirectUris)}); fine for testing, but Alexa cannot link`, `Register the skill's redirect URIs: ${LOCAL_CLI} client update ${shellWord(client.id)} --alexa-vendor-id YOUR_VENDOR_ID`);
  }
  const vendorIds = [...new Set(alexaLike.map((uri) => alexaRegionOf(uri)?.vendorId).filter((vendor): vendor is string => vendor !== undefined))];
  const vendorId = client.alexaVendorId ?? vendorIds[0];
  if (!vendorId) {
    return fail(id, title, `${listOf(alexaLike)} look like Alexa's but are not https://<region host>/api/skill/link/<vendor id>`, 'Copy the Alexa Redirect URLs from the Alexa console exactly.');
  }
  const problems: string[] = [];
  if (vendorIds.length > 1) problems.push(`they name different vendor ids (${listOf(vendorIds)})`);
  for (const expected of alexaRedirectUris(vendorId)) {
    if (client.redirectUris.includes(expected)) continue;
    const region = alexaRegionOf(expected)!;
    const nearMiss = alexaLike.find((uri) => alexaRegionOf(uri)?.host === region.host);
    problems.push(
      nearMiss
        ? `${region.region}'s ${expected} is registered as ${nearMiss} (${listOf(redirectUriDifferences(nearMiss, expected))})`
        : `${region.region}'s ${expected} is missing, so people whose Alexa app uses that region cannot link`,
    );
  }
  if (problems.length === 0) return pass(id, title, `all three Alexa regions are registered for vendor id ${vendorId}`);
  return fail(
    id,
    title,
    listOf(problems),
    client.source === 'config'
      ? 'Set alexa_vendor_id in the add-on options; it registers all three regions.'
      : `Register all three regions (every linked account stays): ${LOCAL_CLI} client update ${shellWord(client.id)} --alexa-vendor-id ${vendorId}`,
  );
}
