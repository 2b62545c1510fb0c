import Router from '@koa/router';
import Koa from 'koa';
import type { ServerContext } from '../context.js';
import { ApiLimits } from '../throttling/apiLimits.js';
import type { InFlightRequests } from './inFlight.js';
import { isClientConnectionError, renderApiErrors } from './middleware/apiErrors.js';
import { clientAddress } from './middleware/clientAddress.js';
import { parseForm } from './middleware/parseForm.js';
import { renderPageErrors } from './middleware/pageErrors.js';
import { logRequests } from './middleware/requestLog.js';
import { apiSecurityHeaders, pageSecurityHeaders } from './middleware/securityHeaders.js';
import { authorizeRoutes } from './routes/authorize.js';
import { healthRoute, type HealthInfo } from './routes/health.js';
import { introspectionEndpoint } from './routes/introspection.js';
import { metadataRoute } from './routes/metadata.js';
import { revocationEndpoint } from './routes/revocation.js';
import { smartHomeEndpoint } from './routes/smartHome.js';
import { tokenEndpoint } from './routes/token.js';

/** The listener Alexa, the skill's backend and the reverse proxy talk to. */
export function createPublicApp(context: ServerContext, health: HealthInfo, inFlight: InFlightRequests): Koa {
  const app = new Koa();
  // Koa logs errors to stderr by default; ours go through pino with the request id.
  app.silent = true;
  app.on('error', (error: unknown, ctx?: Koa.Context) => {
    const log = ctx?.state.log ?? context.log;
    if (isClientConnectionError(error)) log.info({ err: error }, 'the client broke off the request');
    else log.error({ err: error }, 'request failed');
  });

  const router = new Router();
  const authorize = authorizeRoutes(context);
  const limits = new ApiLimits(context.config);

  router.get('/health', healthRoute(context, health));
  router.get('/.well-known/oauth-authorization-server', renderApiErrors, metadataRoute(context));
  router.get('/alexa/authorize', pageSecurityHeaders, renderPageErrors, authorize.show);
  router.post('/alexa/authorize', pageSecurityHeaders, renderPageErrors, parseForm, authorize.decide);
  router.post('/alexa/token', ...tokenEndpoint(context, limits));
  router.post('/alexa/revoke', ...revocationEndpoint(context, limits));
  router.post('/alexa/introspect', ...introspectionEndpoint(context, limits));
  // Off unless configured: the path is then unknown here (404), as nothing else answers it.
  if (context.config.smartHomeClients.length > 0) router.post('/api/alexa/smart_home', ...smartHomeEndpoint(context, limits));

  app.use(inFlight.track);
  app.use(clientAddress(context.config.trustProxy));
  app.use(logRequests(context.log));
  app.use(apiSecurityHeaders);
  app.use(metadataAtIssuerPath(context.config.publicUrl));
  app.use(router.routes());
  app.use(answerUnrouted(router));
  return app;
}

/**
 * 405 with Allow for a known path asked with another method (any method, including ones the
 * router calls "not implemented", which would be a 5xx), 404 for anything else.
 */
function answerUnrouted(router: Router): Koa.Middleware {
  return async (ctx) => {
    const allowed = [...new Set(router.match(ctx.path, 'GET').path.flatMap((layer) => layer.methods))];
    if (allowed.length > 0) {
      ctx.status = 405;
      ctx.set('Allow', allowed.join(', '));
      ctx.body = { error: 'method_not_allowed', error_description: `${ctx.path} answers ${allowed.join(', ')}` };
      return;
    }
    ctx.status = 404;
    ctx.body = { error: 'not_found', error_description: `nothing is served at ${ctx.path}` };
  };
}

/**
 * RFC 8414 §3.1: an issuer with a path (https://host/bridge) has its metadata at the host's root,
 * /.well-known/oauth-authorization-server/bridge, which the proxy passes on unchanged; it is
 * answered as /.well-known/oauth-authorization-server.
 */
function metadataAtIssuerPath(publicUrl: string): Koa.Middleware {
  const issuerPath = new URL(publicUrl).pathname.replace(/\/+$/, '');
  const alias = `/.well-known/oauth-authorization-server${issuerPath}`;
  return async (ctx, next) => {
    if (issuerPath && ctx.path === alias) ctx.path = '/.well-known/oauth-authorization-server';
    await next();
  };
}
