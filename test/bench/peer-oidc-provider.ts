// The peer of the benchmark: node-oidc-provider 9 configured like the bridge (one confidential
// client, same lifetimes, rotating refresh tokens, introspection), with a minimal sign-in page.
// Run as its own process (so its memory is measured alone); self-contained on purpose, because
// the benchmark transpiles this one file and runs it with plain node, like the built bridge.
//
// Configuration follows the oidc-provider docs (docs/README.md, "Configuration options"):
// - `features.devInteractions.enabled: false`: the dev login views are development-only and warn
//   when on; `interactions.url` (default `/interaction/${interaction.uid}`) is served below.
// - `issueRefreshToken`: the default issues one only with scope offline_access (which itself is
//   dropped unless prompt=consent); the bridge always issues one, so does this.
// - `expiresWithSession`: the default ties tokens without offline_access to the browser session;
//   the bridge's tokens outlive any session, so this returns false.
// - `rotateRefreshToken: true`: every refresh consumes the old token and issues a new one.
// - `pkce.required`: PKCE not forced for a confidential client (the v9 default, stated explicitly).
// - `features.introspection.enabled: true` (RFC 7662 endpoint at /token/introspection).
// - `ttl`: the bridge's lifetimes; Grant and Session set so no default-TTL notice is printed.
// - adapter: none given, so the default in-memory adapter (an LRU of artifacts) is used.
// - An `http://` issuer is accepted (only a valid web URI is asserted); cookies are then not
//   `secure`, which is what a plain-HTTP loopback benchmark needs.
// Sign-in follows "User flows": `provider.interactionDetails` then `provider.interactionFinished`
// with `login.accountId` and `consent.grantId` of a saved `provider.Grant` carrying the scope.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Provider, type KoaContextWithOIDC } from 'oidc-provider';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

const port = Number(env('PEER_PORT'));
const issuer = `http://127.0.0.1:${port}`;
const username = env('PEER_USERNAME');
const checkPassword = env('PEER_PASSWORD_CHECK') === 'scrypt';

// The bridge's password hashing cost, so sign-in costs the same CPU and memory on both sides.
const SCRYPT: ScryptOptions = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_BYTES = 32;

function scryptAsync(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, KEY_BYTES, SCRYPT, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

const salt = randomBytes(16);
// Hashed while the server starts, not before: the bridge reads its stored hash from disk, so
// hashing up front would add ~100 ms to the peer's cold start that the bridge does not pay.
const storedKey = scryptAsync(env('PEER_PASSWORD'), salt);

async function passwordMatches(password: string): Promise<boolean> {
  if (!checkPassword) return true;
  return timingSafeEqual(await scryptAsync(password, salt), await storedKey);
}

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: env('PEER_CLIENT_ID'),
      client_secret: env('PEER_CLIENT_SECRET'),
      redirect_uris: [env('PEER_REDIRECT_URI')],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  scopes: ['alexa'],
  features: {
    devInteractions: { enabled: false },
    introspection: { enabled: true },
  },
  pkce: { required: () => false },
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  expiresWithSession: async () => false,
  rotateRefreshToken: true,
  ttl: { AccessToken: 3600, AuthorizationCode: 300, RefreshToken: 7_776_000, Grant: 7_776_000, Interaction: 600, Session: 86_400 },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  findAccount: async (_ctx, id) => ({ accountId: id, claims: async () => ({ sub: id }) }),
});

provider.on('server_error', (_ctx, error) => console.error(JSON.stringify({ level: 50, msg: String(error) })));

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function signInPage(uid: string): string {
  return `<!doctype html><html><head><title>Sign in</title></head><body>
<form method="post" action="/interaction/${escapeHtml(uid)}">
<input type="hidden" name="uid" value="${escapeHtml(uid)}">
<label>User <input name="username" autocomplete="username"></label>
<label>Password <input type="password" name="password" autocomplete="current-password"></label>
<button name="decision" value="approve">Allow</button>
</form></body></html>`;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function finishSignIn(ctx: KoaContextWithOIDC): Promise<void> {
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const form = await readForm(ctx.req);
  if (form.get('username') !== username || !(await passwordMatches(form.get('password') ?? ''))) {
    ctx.status = 401;
    ctx.type = 'html';
    ctx.body = signInPage(details.uid);
    return;
  }
  const grant = new provider.Grant({ accountId: username, clientId: String(details.params.client_id) });
  grant.addOIDCScope(String(details.params.scope));
  const grantId = await grant.save();
  await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: username }, consent: { grantId } });
}

// provider.use runs these before oidc-provider's own routes ("Pre- and post-middlewares").
provider.use(async (ctx, next) => {
  if (ctx.path === '/health') {
    ctx.body = { status: 'ok' };
    return;
  }
  if (!ctx.path.startsWith('/interaction/')) return next();
  if (ctx.method === 'POST') return finishSignIn(ctx);
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  ctx.type = 'html';
  ctx.body = signInPage(details.uid);
});

provider.listen(port, '127.0.0.1');
