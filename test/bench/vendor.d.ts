// The little of oidc-provider 9 and autocannon 8 the benchmark uses; neither ships types.

declare module 'oidc-provider' {
  import type Koa from 'koa';
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export type KoaContextWithOIDC = Koa.Context;

  interface ClientLike {
    grantTypeAllowed(type: string): boolean;
  }

  interface Account {
    accountId: string;
    claims(): Promise<Record<string, unknown>>;
  }

  export interface Configuration {
    clients: Record<string, unknown>[];
    scopes: string[];
    features: Record<string, { enabled: boolean }>;
    pkce: { required: (ctx: KoaContextWithOIDC, client: ClientLike) => boolean };
    issueRefreshToken: (ctx: KoaContextWithOIDC, client: ClientLike) => Promise<boolean>;
    expiresWithSession: (ctx: KoaContextWithOIDC) => Promise<boolean>;
    rotateRefreshToken: boolean;
    ttl: Record<string, number>;
    cookies: { keys: string[] };
    findAccount: (ctx: KoaContextWithOIDC, id: string) => Promise<Account>;
  }

  interface Interaction {
    uid: string;
    params: Record<string, unknown>;
  }

  interface InteractionResults {
    login: { accountId: string };
    consent: { grantId: string };
  }

  class Grant {
    constructor(init: { accountId: string; clientId: string });
    addOIDCScope(scope: string): void;
    save(): Promise<string>;
  }

  export class Provider extends Koa {
    constructor(issuer: string, configuration: Configuration);
    Grant: typeof Grant;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<Interaction>;
    interactionFinished(req: IncomingMessage, res: ServerResponse, result: InteractionResults): Promise<void>;
    on(event: 'server_error', listener: (ctx: KoaContextWithOIDC, error: Error) => void): this;
  }
}

declare module 'autocannon' {
  interface Options {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    connections?: number;
    duration?: number;
    timeout?: number;
  }

  interface Histogram {
    p50: number;
    p99: number;
  }

  interface Result {
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
    latency: Histogram;
    statusCodeStats: Record<string, { count: number }>;
  }

  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
