// The servers the bridge is measured against: node-oidc-provider (the peer) and two bare
// references. Each runs as its own node process from a plain .mjs transpiled once from its
// .ts entry, so that neither start-up nor memory carries a TypeScript loader the built bridge
// does not have.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import type { OAuthTarget } from './flows.ts';
import { freePort, startServer, type Child } from './proc.ts';

/** A running server and what it reports under: "bridge", "peer", "node:http", ... */
export interface Server {
  name: string;
  child: Child;
  url: string;
}

export interface OAuthServer extends Server {
  target: OAuthTarget;
}

/** The one client and account both authorization servers are given. */
export interface Credentials {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  scope: string;
  username: string;
  password: string;
}

const HERE = import.meta.dirname;
// Under the repository, so the transpiled files resolve packages from its node_modules.
const BUILD_DIR = path.resolve(HERE, '../artifacts/bench-build');

function compileEntry(entry: string): string {
  const source = readFileSync(path.join(HERE, entry), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2023, verbatimModuleSyntax: true },
  });
  mkdirSync(BUILD_DIR, { recursive: true });
  const file = path.join(BUILD_DIR, entry.replace(/\.ts$/, '.mjs'));
  writeFileSync(file, outputText);
  return file;
}

const compiled = new Map<string, string>();
function entryScript(entry: string): string {
  if (!compiled.has(entry)) compiled.set(entry, compileEntry(entry));
  return compiled.get(entry)!;
}

/** node-oidc-provider; with `checkPassword` false any password signs in. */
export async function startPeer(name: string, creds: Credentials, runDir: string, checkPassword: boolean): Promise<OAuthServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = await startServer({
    command: process.execPath,
    args: [entryScript('peer-oidc-provider.ts')],
    env: {
      PEER_PORT: String(port),
      PEER_CLIENT_ID: creds.clientId,
      PEER_CLIENT_SECRET: creds.clientSecret,
      PEER_REDIRECT_URI: creds.redirectUri,
      PEER_USERNAME: creds.username,
      PEER_PASSWORD: creds.password,
      PEER_PASSWORD_CHECK: checkPassword ? 'scrypt' : 'none',
    },
    healthUrl: `${url}/health`,
    logFile: path.join(runDir, `${name.replace(/\W+/g, '-')}-${port}.log`),
  });
  // oidc-provider's default routes: /auth, /token, /token/introspection.
  const target = { ...creds, authorizeUrl: `${url}/auth`, tokenUrl: `${url}/token`, introspectUrl: `${url}/token/introspection` };
  return { name, child, url, target };
}

export type ReferenceKind = 'node:http' | 'koa+koa-body';

/** A bare server answering every request with a JSON body of about `bodyBytes` bytes. */
export async function startReference(kind: ReferenceKind, runDir: string, bodyBytes: number): Promise<Server> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = await startServer({
    command: process.execPath,
    args: [entryScript('reference-servers.ts')],
    env: { REF_KIND: kind, REF_PORT: String(port), REF_BODY_BYTES: String(bodyBytes) },
    healthUrl: `${url}/health`,
    logFile: path.join(runDir, `reference-${port}.log`),
  });
  return { name: kind, child, url };
}
