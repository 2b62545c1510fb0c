import type { Middleware } from 'koa';
import type { ApiLimits } from '../../throttling/apiLimits.js';
import type { ServerContext } from '../../context.js';
import { OAuthError } from '../../oauth/errors.js';
import { introspectToken } from '../../oauth/introspection.js';
import { authenticatedClient, clientRequest, type ClientState } from '../middleware/clientRequest.js';

/** POST /alexa/introspect (RFC 7662 §2): the client steps, then the introspection. */
export function introspectionEndpoint(context: ServerContext, limits: ApiLimits): Middleware<ClientState>[] {
  return [...clientRequest('introspection', context, limits), ...authenticatedClient(context, limits), introspect(context)];
}

/** RFC 7662 §2: a client that authenticates learns about its own tokens, a backend client about those of the clients it serves. */
function introspect(context: ServerContext): Middleware<ClientState> {
  return async (ctx) => {
    const token = ctx.state.form.get('token');
    if (!token) throw new OAuthError('invalid_request', 'token is required');
    if (ctx.state.client.method === 'none') {
      throw new OAuthError('invalid_client', 'introspection needs a client that authenticates with a secret', {
        status: 401,
        headers: { 'WWW-Authenticate': 'Basic realm="alexa-oauth-bridge"' },
      });
    }
    ctx.body = introspectToken(context, ctx.state.client.client, token, ctx.state.facts);
  };
}
