import type { Config } from '../config/schema.js';
import type { BridgeContext } from '../context.js';
import { ALEXA_REDIRECT_HOSTS } from '../oauth/redirectUriDifferences.js';
import { hashSecret, newOpaqueToken } from '../oauth/secrets.js';
import type { ClientRecord } from '../storage/records.js';
import { CommandFailure } from './failure.js';
import { revokeGrantsWhere } from './grants.js';

export { ALEXA_REDIRECT_HOSTS };

export function alexaRedirectUris(vendorId: string): string[] {
  return ALEXA_REDIRECT_HOSTS.map((host) => `https://${host}/api/skill/link/${vendorId}`);
}

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
}

export interface ClientCredentials {
  client_id: string;
  client_secret?: string;
}

const CLIENT_ID = /^[\x21-\x7E]{1,200}$/; // RFC 6749 §A.1: VSCHAR, no spaces
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/; // RFC 6749 §3.3

export function viewClient(client: ClientRecord): ClientView {
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
  };
}

export function listClients(context: BridgeContext): ClientView[] {
  return [...context.store.clients.values()].map(viewClient);
}

export function showClient(context: BridgeContext, id: string): ClientView {
  return viewClient(requireClient(context, id));
}

export async function addClient(
  context: BridgeContext,
  input: NewClient,
  source: ClientRecord['source'] = 'cli',
): Promise<ClientCredentials> {
  if (context.store.clients.get(input.id)) throw new CommandFailure(`client ${input.id} already exists`);
  const { record, secret } = buildClient(context, input, source);
  context.store.clients.put(record);
  await context.store.commit(context.store.clientsFile);
  return { client_id: record.id, ...(secret ? { client_secret: secret } : {}) };
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
  await context.store.commit(context.store.clientsFile);
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
  await Promise.all([context.store.commit(context.store.clientsFile), context.store.commit(context.store.grantsFile)]);
  return { removed: id, grants_revoked: revoked };
}

export async function rotateClientSecret(context: BridgeContext, id: string): Promise<ClientCredentials> {
  const client = requireClient(context, id);
  if (client.public) throw new CommandFailure(`client ${id} is public and has no secret`);
  if (client.source === 'config') {
    throw new CommandFailure(`client ${id} comes from the configuration: change client_secret there instead`);
  }
  const secret = newOpaqueToken();
  context.store.clients.put({ ...client, secretHash: hashSecret(secret), updatedAt: context.clock() });
  await context.store.commit(context.store.clientsFile);
  return { client_id: id, client_secret: secret };
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
  const redirectUris = [
    ...(input.alexaVendorId ? alexaRedirectUris(input.alexaVendorId) : []),
    ...(input.redirectUris ?? []).map(checkRedirectUri),
  ];
  if (redirectUris.length === 0) throw new CommandFailure('give --alexa-vendor-id or at least one --redirect-uri');
  const scopes = input.scopes?.length ? input.scopes : ['alexa'];
  for (const scope of scopes) {
    if (!SCOPE_TOKEN.test(scope)) throw new CommandFailure(`scope "${scope}" is not a valid scope token (RFC 6749 §3.3)`);
  }
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
      scopes: [...new Set(scopes)],
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
  const served = [...new Set(input.backendFor)];
  for (const id of served) {
    const client = id === input.id ? undefined : context.store.clients.get(id);
    if (!client) throw new CommandFailure(`--backend-for ${id}: no such client${id === input.id ? ' (a client cannot serve itself)' : ''}`);
    if (client.backendFor) throw new CommandFailure(`--backend-for ${id}: that is a backend client itself, and has no tokens`);
  }
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

/** Redirect URIs are absolute, https (or loopback http for testing), no fragment (RFC 6749 §3.1.2). */
function checkRedirectUri(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CommandFailure(`redirect URI ${value} is not an absolute URL`);
  }
  if (url.hash || value.includes('#')) throw new CommandFailure(`redirect URI ${value} must not have a fragment`);
  const loopback = url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !loopback) {
    throw new CommandFailure(`redirect URI ${value} must be https (http only for localhost)`);
  }
  return value;
}
