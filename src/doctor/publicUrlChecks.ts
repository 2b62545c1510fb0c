import type { BridgeContext } from '../context.js';
import { formatDuration, formatTime } from '../text/prose.js';
import { fail, pass, warn, type Check } from './check.js';
import { describeNetworkError, probe, servedCertificate, type ProbeAnswer } from './probe.js';
import { LOCAL_CLI } from '../cliCommand.js';

// What `doctor` learns by asking the public URL from here, as Amazon would.

/** A certificate this close to its end is worth renewing now. */
const CERT_WARN_DAYS = 14;
/** The clocks may differ this much before codes (minutes long) are at risk. */
const CLOCK_WARN_MS = 30_000;
const CLOCK_FAIL_MS = 300_000;

const LOOPBACK = /^(localhost|127\.[\d.]+|\[::1\])$/;

/** Alexa links only over https on port 443. */
export function checkPublicUrlScheme(context: BridgeContext): Check {
  const url = new URL(context.config.publicUrl);
  const title = 'Public URL';
  if (url.protocol === 'http:') {
    if (LOOPBACK.test(url.hostname)) {
      return warn('public-url', title, `${url.href} is plain http on this machine: fine for trying things out, but Alexa cannot reach it`, 'Put an HTTPS reverse proxy in front and set public_url to its https:// address.');
    }
    return fail('public-url', title, `${url.href} is plain http: Alexa links only over https`, 'Put an HTTPS reverse proxy in front and set public_url to its https:// address.');
  }
  if (url.port && url.port !== '443') {
    return fail('public-url', title, `${url.href} uses port ${url.port}: Alexa reaches authorization servers only on port 443`, 'Serve the bridge on 443 (forward 443 to the reverse proxy) and drop the port from public_url.');
  }
  return pass('public-url', title, `${url.href} is https on port 443`);
}

export interface PublicAnswers {
  health: ProbeAnswer | Error;
  local: ProbeAnswer | Error | undefined;
  metadata: ProbeAnswer | Error;
}

/** Asks the public URL's /health and metadata, and this daemon's own listener, at once. */
export async function askPublicUrl(context: BridgeContext, localHealthUrl: string | undefined, timeoutMs: number): Promise<PublicAnswers> {
  const settle = (url: string) => probe(url, timeoutMs).catch((error: Error) => error);
  const [health, local, metadata] = await Promise.all([
    settle(`${context.config.publicUrl}/health`),
    localHealthUrl ? settle(localHealthUrl) : undefined,
    settle(`${context.config.publicUrl}/.well-known/oauth-authorization-server`),
  ]);
  return { health, local, metadata };
}

function instanceOf(answer: ProbeAnswer): string | undefined {
  try {
    const body = JSON.parse(answer.body) as { instance?: unknown };
    return typeof body.instance === 'string' ? body.instance : undefined;
  } catch {
    return undefined;
  }
}

/** The public URL reaches this very daemon: its /health answers with this daemon's instance id. */
export function checkReachesDaemon(context: BridgeContext, answers: PublicAnswers): Check {
  const id = 'reaches-daemon';
  const title = 'Public URL reaches this daemon';
  const url = `${context.config.publicUrl}/health`;
  const { health, local } = answers;
  if (health instanceof Error) {
    return fail(id, title, `${url} cannot be reached from here: ${describeNetworkError(health)}`, 'Check DNS, the router forwarding port 443 to the reverse proxy, and that the proxy runs. Amazon must reach this URL from the internet.');
  }
  const theirs = instanceOf(health);
  if (health.status !== 200 || !theirs) {
    return fail(id, title, `${url} answered ${health.status} ${health.headers['content-type'] ?? ''}, not this bridge's health answer`, 'Make the reverse proxy forward /health, /.well-known/ and /alexa/ to the bridge (see config/nginx).');
  }
  if (!local || local instanceof Error) {
    return warn(id, title, `${url} answers as bridge instance ${theirs}, but this daemon's own listener ${local ? `cannot be reached (${describeNetworkError(local)})` : 'has no fixed port'}, so it is not known whether that is this one`, `Start the daemon (${LOCAL_CLI} serve), then run doctor again.`);
  }
  const ours = instanceOf(local);
  if (theirs !== ours) {
    return fail(id, title, `${url} is answered by another bridge (instance ${theirs}), not by this daemon (instance ${ours})`, 'Point the reverse proxy at this daemon’s host and port; stop the other instance.');
  }
  return pass(id, title, `${url} reaches this daemon (instance ${ours}) in ${health.ms} ms`);
}

/** The metadata as the world sees it names the configured issuer, so `iss` and every URL agree. */
export function checkMetadata(context: BridgeContext, answers: PublicAnswers): Check {
  const id = 'metadata';
  const title = 'Issuer and metadata';
  const issuer = context.config.publicUrl;
  const { metadata } = answers;
  if (metadata instanceof Error || metadata.status !== 200) {
    const why = metadata instanceof Error ? describeNetworkError(metadata) : `it answered ${metadata.status}`;
    return warn(id, title, `the metadata at ${issuer}/.well-known/oauth-authorization-server could not be read: ${why}`, 'Make the reverse proxy forward /.well-known/ to the bridge.');
  }
  let document: Record<string, unknown>;
  try {
    document = JSON.parse(metadata.body) as Record<string, unknown>;
  } catch {
    return fail(id, title, 'the metadata answer is not JSON', 'Make the reverse proxy forward /.well-known/ to the bridge.');
  }
  const wrong = Object.entries(document).filter(
    ([key, value]) => (key === 'issuer' && value !== issuer) || (key.endsWith('_endpoint') && typeof value === 'string' && !value.startsWith(`${issuer}/`)),
  );
  if (wrong.length) {
    return fail(id, title, `the metadata names ${wrong.map(([key, value]) => `${key} ${String(value)}`).join(', ')}, not under the issuer ${issuer}`, 'The proxy reaches a server with another public_url: set public_url to the address Alexa uses.');
  }
  return pass(id, title, `issuer, iss and every endpoint are under ${issuer}`);
}

/** This machine's clock against the Date of the public URL's answer (the proxy's clock). */
export function checkClock(context: BridgeContext, answers: PublicAnswers): Check {
  const id = 'clock';
  const title = 'Clock';
  const { health } = answers;
  const date = health instanceof Error ? undefined : health.headers.date;
  if (!date) return warn(id, title, 'not compared: the public URL gave no Date header to compare with', 'Fix the reachability check first.');
  const now = context.clock();
  // Date has whole seconds and was stamped during the request: allow for both.
  const skew = Date.parse(date) - now;
  const slack = 1000 + (health instanceof Error ? 0 : health.ms);
  const message = `this machine says ${formatTime(now)}, the public URL's Date ${date}`;
  if (Math.abs(skew) >= CLOCK_FAIL_MS + slack) {
    return fail(id, title, `${message}: ${formatDuration(skew)} apart, longer than a code lives`, 'Synchronise both clocks with NTP.');
  }
  if (Math.abs(skew) >= CLOCK_WARN_MS + slack) return warn(id, title, `${message}: ${formatDuration(skew)} apart`, 'Synchronise both clocks with NTP.');
  return pass(id, title, `this machine and the public URL agree on the time (within ${formatDuration(Math.max(Math.abs(skew), slack))})`);
}

/** The certificate Amazon will see: trusted, for this name, and valid today and for a while. */
export async function checkCertificate(context: BridgeContext, timeoutMs: number): Promise<Check> {
  const id = 'certificate';
  const title = 'TLS certificate';
  const url = new URL(context.config.publicUrl);
  if (url.protocol !== 'https:') return warn(id, title, 'not checked: the public URL is not https', 'See the public URL check.');
  let cert;
  try {
    cert = await servedCertificate(url.hostname.replace(/^\[|\]$/g, ''), Number(url.port || 443), timeoutMs);
  } catch (error) {
    return fail(id, title, `no TLS handshake with ${url.host}: ${describeNetworkError(error)}`, 'Check that the reverse proxy serves https on this address.');
  }
  const now = context.clock();
  const dates = `valid ${formatTime(cert.validFrom)} to ${formatTime(cert.validTo)}, for ${cert.subject}, issued by ${cert.issuer}`;
  if (cert.validTo <= now) return fail(id, title, `the certificate expired ${formatDuration(now - cert.validTo)} ago (${dates})`, 'Renew the certificate (e.g. the Let’s Encrypt add-on) and reload the proxy.');
  if (cert.validFrom > now) return fail(id, title, `the certificate is not valid yet (${dates}): is this machine's clock right?`, 'Check the clock, or install a certificate valid now.');
  if (!cert.trusted) {
    const selfSigned = cert.problem === 'DEPTH_ZERO_SELF_SIGNED_CERT' || cert.problem === 'SELF_SIGNED_CERT_IN_CHAIN';
    return fail(
      id,
      title,
      `Amazon will not trust it: ${selfSigned ? 'it is self-signed' : cert.problem} (${dates})`,
      'Use a certificate from a public certificate authority, with the full chain, for exactly the public URL’s host name.',
    );
  }
  const daysLeft = Math.floor((cert.validTo - now) / 86_400_000);
  if (daysLeft < CERT_WARN_DAYS) return warn(id, title, `it expires in ${daysLeft} days (${dates})`, 'Renew the certificate now; check that automatic renewal works.');
  return pass(id, title, `trusted; ${dates}`);
}
