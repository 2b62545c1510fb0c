import type { Config } from '../config/schema.js';
import type { BridgeContext } from '../context.js';
import { authorizationResponseUrl } from '../oauth/authorizationResponse.js';
import { hashSecret, newOpaqueToken } from '../oauth/secrets.js';
import type { ClientRecord } from '../storage/records.js';
import { LOCAL_CLI, shellWord } from '../cliCommand.js';
import { CommandFailure } from './failure.js';
import { ALEXA_VENDOR_ID, alexaRedirectUris, isAlexaHost, redirectUriWarnings } from './alexaRedirects.js';

export { ALEXA_REDIRECT_HOSTS, alexaRedirectUris } from './alexaRedirects.js';
import { revokeGrantsWhere } from './grants.js';

/** How long `rotate-secret` keeps the old secret working, unless told otherwise: a day to update the Alexa console. */
export const DEFAULT_SECRET_OVERLAP_MS = 24 * 3600_000;
/** The longest overlap: a leaked secret must not stay valid for long by mistake. */
export const MAX_SECRET_OVERLAP_MS = 30 * 24 * 3600_000;


export interface NewClient {
  id: string;
  name?: string | undefined;
  redirectUris?: string[] | undefined;
  alexaVendorId?: string | undefined;
  secret?: string | undefined;
  public?: boolean | undefined;
  scopes?: string[] | undefined;
  /** Makes a backend client: the ids of the clients whose tokens it may introspect. */
  backendFor?: string[] | undefined;
}

/** What an admin sees of a client: never the secret's hash. */
export interface ClientView {
  client_id: string;
  name: string;
  /** `backend`: confidential, but may only introspect the tokens of the clients in `backend_for`. */
  type: 'confidential' | 'public' | 'backend';
  redirect_uris: string[];
  scopes: string[];
  alexa_vendor_id?: string;
  /** A backend client: the clients whose tokens it may introspect. */
  backend_for?: string[];
  source: ClientRecord['source'];
  created_at: string;
  /** After a rotation with an overlap: until when (ISO 8601) the old secret still works. */
  old_secret_valid_until?: string;
}

export interface ClientCredentials {
  client_id: string;
  client_secret?: string;
}

/** `client add`: the credentials, and what about the registration may hurt (see redirectUriWarnings). */
export interface AddedClient extends ClientCredentials {
  warnings: string[];
}

/** `rotate-secret`: the new secret, and until when (ISO 8601) the old one still works, if at all. */
export interface RotatedSecret extends ClientCredentials {
  old_secret_valid_until?: string;
}

/** What `client update` may change; every link (grant) of the client stays. */
export interface ClientChanges {
  id: string;
  name?: string | undefined;
  addRedirectUris?: string[] | undefined;
  removeRedirectUris?: string[] | undefined;
  /** Replaces every redirect URI on an Alexa host by the three for this vendor id. */
  alexaVendorId?: string | undefined;
  /** Replaces the clients a backend client serves (backend clients only). */
  backendFor?: string[] | undefined;
  /** Replaces the scopes; links keep the scope they were granted. */
  scopes?: string[] | undefined;
  /** Switches the client: `public` drops its secret (and an old one still in overlap); `confidential` gives it one. */
  type?: 'public' | 'confidential' | undefined;
  /** The secret a public client gets on becoming confidential (implies it); generated when absent. */
  secret?: string | undefined;
}

/** `client update`: the client as it is now; the secret only when it has just become confidential (shown once). */
export interface UpdatedClient {
  client: ClientView;
  warnings: string[];
  client_secret?: string;
}

const CLIENT_ID = /^[\x21-\x7E]{1,200}$/; // RFC 6749 §A.1: VSCHAR, no spaces

/** Whether `client add` can register `id`: 1-200 VSCHAR (RFC 6749 §A.1), not read as an option. */
export function isRegistrableClientId(id: string): boolean {
  return CLIENT_ID.test(id) && !id.startsWith('-');
}
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/; // RFC 6749 §3.3

/** `now` (ms) decides whether an old secret's overlap is still running. */
export function viewClient(client: ClientRecord, now: number): ClientView {
  return {
    client_id: client.id,
    name: client.name,
    type: client.public ? 'public' : client.backendFor ? 'backend' : 'confidential',
    redirect_uris: client.redirectUris,
    scopes: client.scopes,
    ...(client.alexaVendorId ? { alexa_vendor_id: client.alexaVendorId } : {}),
    ...(client.backendFor ? { backend_for: client.backendFor } : {}),
    source: client.source,
    created_at: new Date(client.createdAt).toISOString(),
    ...(client.previousSecret && client.previousSecret.until > now
      ? { old_secret_valid_until: new Date(client.previousSecret.until).toISOString() }
      : {}),
  };
}

export function listClients(context: BridgeContext): ClientView[] {
  const now = context.clock();
  return [...context.store.clients.values()].map((client) => viewClient(client, now));
}

export function showClient(context: BridgeContext, id: string): ClientView {
  return viewClient(requireClient(context, id), context.clock());
}

export async function addClient(
  context: BridgeContext,
  input: NewClient,
  source: ClientRecord['source'] = 'cli',
): Promise<AddedClient> {
  if (context.store.clients.get(input.id)) {
    throw new CommandFailure(`client ${input.id} already exists (change it with: ${LOCAL_CLI} client update ${shellWord(input.id)} …)`);
  }
  const { record, secret } = buildClient(context, input, source);
  context.store.clients.put(record);
  await context.store.commit(context.store.clients);
  return { client_id: record.id, ...(secret ? { client_secret: secret } : {}), warnings: redirectUriWarnings(record.redirectUris) };
}

/**
 * `client update`: changes a client's redirect URIs, name, scopes or type (public or confidential)
 * in place, so every account linked through it stays linked. Refuses a change the configuration would undo at the next start.
 */
export async function updateClient(context: BridgeContext, changes: ClientChanges): Promise<UpdatedClient> {
  const client = requireClient(context, changes.id);
  const { name, addRedirectUris = [], removeRedirectUris = [], alexaVendorId, scopes, backendFor, secret } = changes;
  const type = secret !== undefined ? 'confidential' : changes.type;
  const touchesLinking = addRedirectUris.length > 0 || removeRedirectUris.length > 0 || alexaVendorId !== undefined || scopes !== undefined;
  if (name === undefined && !touchesLinking && backendFor === undefined && type === undefined) {
    throw new CommandFailure('nothing to change: give --add-redirect-uri, --remove-redirect-uri, --alexa-vendor-id, --scope, --backend-for, --name, --public, --confidential or --secret');
  }
  if (client.source === 'config' && type !== undefined) {
    throw new CommandFailure(`client ${client.id} comes from the configuration (the add-on options): set client_secret there (leave it empty for a public client); a change here would be undone at the next start`);
  }
  if (backendFor !== undefined && !client.backendFor) {
    throw new CommandFailure(`client ${client.id} is not a backend client: register one with client add <backend_id> --backend-for ${client.id}`);
  }
  if (client.source === 'config' && (touchesLinking || name !== undefined)) {
    throw new CommandFailure(`client ${client.id} comes from the configuration (the add-on options): change alexa_vendor_id or scopes there; a change here would be undone at the next start`);
  }
  if (client.backendFor && touchesLinking) {
    throw new CommandFailure(`client ${client.id} is a backend client: it has no redirect URIs and no scopes`);
  }
  let redirectUris = [...client.redirectUris];
  for (const uri of removeRedirectUris) {
    if (!redirectUris.includes(uri)) throw new CommandFailure(`redirect URI ${uri} is not registered for ${client.id} (registered: ${client.redirectUris.join(', ')})`);
    redirectUris = redirectUris.filter((registered) => registered !== uri);
  }
  if (alexaVendorId !== undefined) {
    checkVendorId(alexaVendorId);
    // Every Alexa-host URI goes, near misses (a trailing slash, another vendor id) included.
    redirectUris = [...redirectUris.filter((uri) => !isAlexaHost(uri)), ...alexaRedirectUris(alexaVendorId)];
  }
  redirectUris = [...new Set([...redirectUris, ...addRedirectUris.map(checkRedirectUri)])];
  if (redirectUris.length === 0 && !client.backendFor) throw new CommandFailure(`client ${client.id} needs at least one redirect URI`);
  const switched = switchedCredentials(client, type, secret);
  const { secretHash: _secretHash, previousSecret: _previousSecret, ...withoutSecrets } = client;
  const record: ClientRecord = {
    ...(switched ? { ...withoutSecrets, ...switched.credentials } : client),
    name: name?.trim() || client.name,
    redirectUris,
    scopes: scopes === undefined ? client.scopes : checkScopes(scopes),
    ...(alexaVendorId !== undefined ? { alexaVendorId } : {}),
    ...(backendFor !== undefined ? { backendFor: checkServedClients(context, client.id, backendFor) } : {}),
    updatedAt: context.clock(),
  };
  context.store.clients.put(record);
  await context.store.commit(context.store.clients);
  return {
    client: viewClient(record, context.clock()),
    warnings: redirectUriWarnings(record.redirectUris),
    ...(switched?.secret ? { client_secret: switched.secret } : {}),
  };
}

/**
 * The credential fields of a client switched to `type`, and the secret it got when it became
 * confidential (given, or generated as by `client add`); undefined when it already is of that type.
 * Becoming public drops the secret and an old one still in overlap; every link stays. Throws
 * CommandFailure for a backend client made public or a confidential one given a secret.
 */
function switchedCredentials(
  client: ClientRecord,
  type: ClientChanges['type'],
  given: string | undefined,
): { credentials: Pick<ClientRecord, 'public' | 'secretHash'>; secret?: string } | undefined {
  if (type === 'public') {
    if (client.backendFor) throw new CommandFailure(`client ${client.id} is a backend client: it always authenticates with a secret`);
    return client.public ? undefined : { credentials: { public: true } };
  }
  if (type === undefined) return undefined;
  if (!client.public) {
    if (given === undefined) return undefined;
    throw new CommandFailure(`client ${client.id} is confidential already: make a new secret with ${LOCAL_CLI} client rotate-secret ${shellWord(client.id)} (the old one keeps working meanwhile)`);
  }
  checkCredentials({ id: client.id, secret: given });
  const secret = given ?? newOpaqueToken();
  return { credentials: { public: false, secretHash: hashSecret(secret) }, secret };
}

/** Registers or updates the client named in the configuration (the add-on's options). */
export async function syncConfiguredClient(context: BridgeContext): Promise<'created' | 'updated' | 'unchanged' | 'none'> {
  const input = configuredClient(context.config);
  if (!input) return 'none';
  const existing = context.store.clients.get(input.id);
  const { record } = buildClient(context, { ...input, name: existing?.name ?? input.name }, 'config');
  if (existing) {
    const next = { ...record, createdAt: existing.createdAt, updatedAt: existing.updatedAt };
    if (JSON.stringify(next) === JSON.stringify(existing)) return 'unchanged';
    context.store.clients.put({ ...next, updatedAt: context.clock() });
  } else {
    context.store.clients.put(record);
  }
  await context.store.commit(context.store.clients);
  return existing ? 'updated' : 'created';
}

export async function removeClient(context: BridgeContext, id: string): Promise<{ removed: string; grants_revoked: number }> {
  requireClient(context, id);
  const revoked = revokeGrantsWhere(context, (grant) => grant.clientId === id, `client ${id} was removed`);
  context.store.clients.delete(id);
  // A later client of the same id must not inherit the backends that served this one.
  for (const backend of context.store.clients.values()) {
    if (!backend.backendFor?.includes(id)) continue;
    context.store.clients.put({ ...backend, backendFor: backend.backendFor.filter((served) => served !== id), updatedAt: context.clock() });
  }
  await context.store.commit(context.store.clients, context.store.grants);
  return { removed: id, grants_revoked: revoked };
}

/**
 * A new secret. The old one keeps working for `keepOldMs` (0 ends it at once), so requests Amazon
 * sends before the new secret is in the Alexa console still succeed; only the latest old secret
 * is kept.
 */
export async function rotateClientSecret(
  context: BridgeContext,
  id: string,
  keepOldMs: number = DEFAULT_SECRET_OVERLAP_MS,
): Promise<RotatedSecret> {
  const client = requireClient(context, id);
  if (client.public) throw new CommandFailure(`client ${id} is public and has no secret`);
  if (client.source === 'config') {
    throw new CommandFailure(`client ${id} comes from the configuration: change client_secret there instead`);
  }
  if (!Number.isInteger(keepOldMs) || keepOldMs < 0 || keepOldMs > MAX_SECRET_OVERLAP_MS) {
    throw new CommandFailure(`the old secret may be kept from 0 up to ${MAX_SECRET_OVERLAP_MS / 86_400_000} days`);
  }
  const secret = newOpaqueToken();
  const now = context.clock();
  const { previousSecret: _ended, ...rest } = client;
  const previousSecret = keepOldMs > 0 && client.secretHash ? { hash: client.secretHash, until: now + keepOldMs } : undefined;
  context.store.clients.put({ ...rest, secretHash: hashSecret(secret), ...(previousSecret ? { previousSecret } : {}), updatedAt: now });
  await context.store.commit(context.store.clients);
  return {
    client_id: id,
    client_secret: secret,
    ...(previousSecret ? { old_secret_valid_until: new Date(previousSecret.until).toISOString() } : {}),
  };
}

/** Ends a rotation's overlap now: from here on only the new secret works. */
export async function endSecretOverlap(context: BridgeContext, id: string): Promise<{ client_id: string; ended: boolean }> {
  const client = requireClient(context, id);
  if (!client.previousSecret) return { client_id: id, ended: false };
  const { previousSecret, ...rest } = client;
  context.store.clients.put({ ...rest, updatedAt: context.clock() });
  await context.store.commit(context.store.clients);
  return { client_id: id, ended: previousSecret.until > context.clock() };
}

function requireClient(context: BridgeContext, id: string): ClientRecord {
  const client = context.store.clients.get(id);
  if (!client) throw new CommandFailure(`no client ${id}`);
  return client;
}

/** The client kept registered from configuration (client_id and the settings beside it), if any. */
function configuredClient(config: Config): NewClient | undefined {
  const { clientId, clientSecret, alexaVendorId, scopes } = config;
  if (!clientId) return undefined;
  return { id: clientId, name: 'Alexa skill', alexaVendorId, secret: clientSecret, public: !clientSecret, scopes };
}

/**
 * What would stop the configured client from being registered at start-up, as one line; undefined
 * when nothing would (or no client is configured). Checked before the daemon starts, so that a
 * problem is reported as a configuration problem rather than a failed start.
 */
export function configuredClientProblem(config: Config): string | undefined {
  const input = configuredClient(config);
  if (!input) return undefined;
  try {
    checkCredentials(input);
    checkRedirectsAndScopes(input);
    return undefined;
  } catch (error) {
    if (error instanceof CommandFailure) return `the configured client ${input.id}: ${error.message}`;
    throw error;
  }
}

/** The checks every new client passes. Throws CommandFailure. */
function checkCredentials(input: NewClient): void {
  if (!CLIENT_ID.test(input.id)) throw new CommandFailure('client_id must be 1-200 printable ASCII characters without spaces');
  if (input.public && input.secret) throw new CommandFailure('a public client has no secret: use --secret or --public, not both');
  if (input.secret !== undefined && input.secret.length < 16) {
    throw new CommandFailure('the secret must be at least 16 characters (leave --secret out to get a generated one)');
  }
}

/** An ordinary (not backend) client's redirect URIs and scopes, checked. Throws CommandFailure. */
function checkRedirectsAndScopes(input: NewClient): { redirectUris: string[]; scopes: string[] } {
  if (input.alexaVendorId !== undefined) checkVendorId(input.alexaVendorId);
  const redirectUris = [
    ...(input.alexaVendorId ? alexaRedirectUris(input.alexaVendorId) : []),
    ...(input.redirectUris ?? []).map(checkRedirectUri),
  ];
  if (redirectUris.length === 0) throw new CommandFailure('give --alexa-vendor-id or at least one --redirect-uri');
  const scopes = checkScopes(input.scopes?.length ? input.scopes : ['alexa']);
  return { redirectUris, scopes };
}

function buildClient(
  context: BridgeContext,
  input: NewClient,
  source: ClientRecord['source'],
): { record: ClientRecord; secret?: string } {
  checkCredentials(input);
  if (input.backendFor?.length) return buildBackendClient(context, input, source);
  const { redirectUris, scopes } = checkRedirectsAndScopes(input);
  const secret = input.public ? undefined : (input.secret ?? newOpaqueToken());
  const now = context.clock();
  return {
    record: {
      id: input.id,
      name: input.name?.trim() || input.id,
      public: Boolean(input.public),
      ...(secret ? { secretHash: hashSecret(secret) } : {}),
      redirectUris: [...new Set(redirectUris)],
      scopes,
      ...(input.alexaVendorId ? { alexaVendorId: input.alexaVendorId } : {}),
      source,
      createdAt: now,
      updatedAt: now,
    },
    ...(secret ? { secret } : {}),
  };
}

/**
 * A backend client: confidential, no redirect URIs, no scopes of its own; it serves clients that
 * exist now and are not backends themselves.
 */
function buildBackendClient(
  context: BridgeContext,
  input: NewClient,
  source: ClientRecord['source'],
): { record: ClientRecord; secret: string } {
  if (input.public) throw new CommandFailure('a backend client authenticates with a secret: leave out --public');
  if (input.alexaVendorId || input.redirectUris?.length || input.scopes?.length) {
    throw new CommandFailure('a backend client has no redirect URIs and no scopes: it only introspects the tokens of the clients it serves');
  }
  const served = checkServedClients(context, input.id, input.backendFor ?? []);
  const secret = input.secret ?? newOpaqueToken();
  const now = context.clock();
  return {
    record: {
      id: input.id,
      name: input.name?.trim() || input.id,
      public: false,
      secretHash: hashSecret(secret),
      redirectUris: [],
      scopes: [],
      backendFor: served,
      source,
      createdAt: now,
      updatedAt: now,
    },
    secret,
  };
}

/** Distinct scope tokens (RFC 6749 §3.3); at least one. */
function checkScopes(scopes: readonly string[]): string[] {
  if (scopes.length === 0) throw new CommandFailure('give at least one --scope');
  for (const scope of scopes) {
    if (!SCOPE_TOKEN.test(scope)) throw new CommandFailure(`scope "${scope}" is not a valid scope token (RFC 6749 §3.3)`);
  }
  return [...new Set(scopes)];
}

function checkVendorId(vendorId: string): void {
  if (!ALEXA_VENDOR_ID.test(vendorId)) {
    throw new CommandFailure(`--alexa-vendor-id ${vendorId}: must be 6-40 letters and digits, the last part of each Alexa Redirect URL in the Alexa console`);
  }
}

/**
 * The longest redirect URI that may be registered, counted as it is written into the redirect
 * (non-ASCII characters and a query's `~`, `'`, `:` grow when percent-encoded: an emoji to 12
 * bytes). Amazon's are about 60 characters. It bounds
 * the authorization response's Location header with the state's and public URL's limits (see
 * MAX_STATE_ENCODED_LENGTH), so a reverse proxy's header buffer can hold every redirect.
 */
export const MAX_REDIRECT_URI_LENGTH = 1024;

/** The clients backend `backendId` is to serve, deduplicated: each must exist and not be a backend itself. */
function checkServedClients(context: BridgeContext, backendId: string, served: readonly string[]): string[] {
  if (served.length === 0) throw new CommandFailure('--backend-for: name at least one client');
  for (const id of served) {
    const client = id === backendId ? undefined : context.store.clients.get(id);
    if (!client) throw new CommandFailure(`--backend-for ${id}: no such client${id === backendId ? ' (a client cannot serve itself)' : ''}`);
    if (client.backendFor) throw new CommandFailure(`--backend-for ${id}: that is a backend client itself, and has no tokens`);
  }
  return [...new Set(served)];
}

/** Redirect URIs are absolute, https (or loopback http for testing), no fragment (RFC 6749 §3.1.2). */
function checkRedirectUri(value: string): string {
  if (value.length > MAX_REDIRECT_URI_LENGTH) {
    throw new CommandFailure(`a redirect URI must be at most ${MAX_REDIRECT_URI_LENGTH} characters; this one has ${value.length}`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CommandFailure(`redirect URI ${value} is not an absolute URL`);
  }
  // As the redirect writes it: the URI with an empty `iss`, less `?iss=` or `&iss=`.
  const encoded = authorizationResponseUrl(value, '', {}).length - '?iss='.length;
  if (encoded > MAX_REDIRECT_URI_LENGTH) {
    throw new CommandFailure(`a redirect URI must be at most ${MAX_REDIRECT_URI_LENGTH} characters once URL-encoded as in the redirect; this one has ${encoded}`);
  }
  if (url.hash || value.includes('#')) throw new CommandFailure(`redirect URI ${value} must not have a fragment`);
  const loopback = url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !loopback) {
    throw new CommandFailure(`redirect URI ${value} must be https (http only for localhost)`);
  }
  return value;
}
