import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { USERNAME } from './bridge.ts';

export const SUPERVISOR_TOKEN = 'supervisor-token-0123456789';
/** alice's Home Assistant password (not her local one). */
export const HA_PASSWORD = 'home assistant password';

export interface FakeSupervisor {
  url: string;
  /** What the bridge sent to POST /auth. */
  requests: { headers: IncomingHttpHeaders; body: unknown }[];
  /** Answer every request with this status instead of checking the password. */
  failWith?: number;
  /** When set, answers wait for it: the bridge's request is then in flight. */
  gate?: Promise<void>;
  /** Resolves when the next request has arrived. */
  nextRequest(): Promise<void>;
}

/**
 * The Supervisor's auth API as an add-on sees it: POST /auth with X-Supervisor-Token and JSON
 * {username, password}; 200 `{"result":"ok","data":{}}`, or 401 with a Basic challenge.
 */
export async function fakeSupervisor(t: { after(fn: () => unknown): void }): Promise<FakeSupervisor> {
  let arrived: (() => void) | undefined;
  const supervisor: FakeSupervisor = {
    url: '',
    requests: [],
    nextRequest: () => new Promise<void>((resolve) => (arrived = resolve)),
  };
  const server = createServer((request, response) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (text += chunk));
    request.on('end', async () => {
      const body = JSON.parse(text || 'null') as { username?: string; password?: string } | null;
      supervisor.requests.push({ headers: request.headers, body });
      arrived?.();
      await supervisor.gate;
      const send = (status: number, json: unknown, headers: Record<string, string> = {}) => {
        response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(json));
      };
      if (supervisor.failWith) return send(supervisor.failWith, { result: 'error', message: 'boom' });
      if (request.method !== 'POST' || request.url !== '/auth') return send(404, { result: 'error' });
      if (request.headers['x-supervisor-token'] !== SUPERVISOR_TOKEN) return send(403, { result: 'error', message: 'bad token' });
      // Home Assistant compares `username.strip().casefold()` (auth/providers/homeassistant.py).
      if (body?.username?.trim().toLowerCase() === USERNAME && body.password === HA_PASSWORD) return send(200, { result: 'ok', data: {} });
      send(401, { result: 'error', message: 'invalid credentials' }, { 'WWW-Authenticate': 'Basic realm="Home Assistant Authentication"' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  supervisor.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return supervisor;
}

/** The settings that make the bridge ask this Supervisor. */
export function supervisorEnv(supervisorUrl: string): Record<string, string> {
  return { BRIDGE_AUTH: 'homeassistant', BRIDGE_SUPERVISOR_URL: supervisorUrl, SUPERVISOR_TOKEN };
}
