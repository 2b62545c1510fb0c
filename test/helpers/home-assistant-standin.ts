import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the stand-in received: everything, so a test can look for what must not be there. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** How the stand-in answers a directive: like Home Assistant, or broken in a way the field knows. */
export type StandInMode = 'answer' | 'hang' | 'error-500' | 'not-configured' | 'refuse-token';

export const HA_TOKEN = 'ha-long-lived-token.eyJzdGFuZC1pbiI6dHJ1ZX0.sig';
/** The stand-in's answer to a directive: odd bytes on purpose, so a re-encoding would show. */
export const HA_ANSWER = Buffer.from('{"event":{"header":{"namespace":"Alexa","name":"Response"},"payload":{}},"note":"Küche \u00e9"}  \n');
export const HA_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * A Home Assistant on loopback for the relay: POST /api/alexa/smart_home (when its `alexa:
 * smart_home:` is "configured"), GET /api/ with the right token, 405 for GET on the directive
 * path as aiohttp answers a POST-only route, 401 for another token, 404 elsewhere.
 */
export class HomeAssistantStandIn {
  readonly received: ReceivedRequest[] = [];
  mode: StandInMode = 'answer';
  private readonly hanging = new Set<ServerResponse>();
  private readonly server: Server;

  private constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const path = req.url ?? '';
        this.received.push({ method: req.method ?? '', path, headers: req.headers, body: Buffer.concat(chunks) });
        this.answer(req.method ?? '', path, req.headers.authorization, res);
      });
    });
  }

  static async start(): Promise<HomeAssistantStandIn> {
    const standIn = new HomeAssistantStandIn();
    await new Promise<void>((resolve) => standIn.server.listen(0, '127.0.0.1', resolve));
    return standIn;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  directives(): ReceivedRequest[] {
    return this.received.filter((request) => request.path === '/api/alexa/smart_home' && request.method === 'POST');
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private answer(method: string, path: string, authorization: string | undefined, res: ServerResponse): void {
    const json = (status: number, body: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (authorization !== `Bearer ${HA_TOKEN}` || this.mode === 'refuse-token') return void res.writeHead(401, { 'content-type': 'text/plain' }).end('401: Unauthorized');
    if (path === '/api/' && method === 'GET') return json(200, { message: 'API running.' });
    if (path !== '/api/alexa/smart_home' || this.mode === 'not-configured') return void res.writeHead(404, { 'content-type': 'text/plain' }).end('404: Not Found');
    if (method !== 'POST') return void res.writeHead(405, { 'content-type': 'text/plain', allow: 'POST' }).end('405: Method Not Allowed');
    if (this.mode === 'hang') return void this.hanging.add(res);
    if (this.mode === 'error-500') return void res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('500 Internal Server Error\n\nServer got itself in trouble');
    res.writeHead(200, { 'content-type': HA_CONTENT_TYPE, 'set-cookie': 'ha=1' }).end(HA_ANSWER);
  }
}
