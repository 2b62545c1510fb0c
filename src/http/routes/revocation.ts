import type { Middleware } from 'koa';
import type { BridgeContext } from '../../context.js';
import { OAuthError } from '../../oauth/errors.js';
import { introspectToken } from '../../oauth/introspection.js';
import { revokeToken } from '../../oauth/revocation.js';
import type { ClientState } from './token.js';

/** RFC 7009 §2.1: the same 200 for a revoked, unknown or foreign token. */
export function revokeRoute(context: BridgeContext): Middleware<ClientState> {
  return async (ctx) => {
    const token = ctx.state.form.get('token');
    if (!token) throw new OAuthError('invalid_request', 'token is required');
    await revokeToken(context, ctx.state.client.client, token);
    ctx.status = 200;
    ctx.body = '';
  };
}

/** RFC 7662 §2: a client that authenticates learns about its own tokens, a backend client about those of the clients it serves. */
export function introspectRoute(context: BridgeContext): Middleware<ClientState> {
  return async (ctx) => {
    const token = ctx.state.form.get('token');
    if (!token) throw new OAuthError('invalid_request', 'token is required');
    if (ctx.state.client.method === 'none') {
      throw new OAuthError('invalid_client', 'introspection needs a client that authenticates with a secret', {
        status: 401,
        headers: { 'WWW-Authenticate': 'Basic realm="alexa-oauth-bridge"' },
      });
    }
    ctx.body = introspectToken(context, ctx.state.client.client, token);
  };
}
