import type { Middleware } from 'koa';
import type { ApiLimits } from '../../throttling/apiLimits.js';
import type { ServerContext } from '../../context.js';
import { OAuthError } from '../../oauth/errors.js';
import { revokeToken } from '../../oauth/revocation.js';
import { authenticatedClient, clientRequest, type ClientState } from '../middleware/clientRequest.js';

/** POST /alexa/revoke (RFC 7009 §2): the client steps, then the revocation. */
export function revocationEndpoint(context: ServerContext, limits: ApiLimits): Middleware<ClientState>[] {
  return [...clientRequest('revocation', context, limits), ...authenticatedClient(context, limits), revoke(context)];
}

/** RFC 7009 §2.1: the same 200 for a revoked, unknown or foreign token. */
function revoke(context: ServerContext): Middleware<ClientState> {
  return async (ctx) => {
    const token = ctx.state.form.get('token');
    if (!token) throw new OAuthError('invalid_request', 'token is required');
    await revokeToken(context, ctx.state.client.client, token, ctx.state.facts);
    ctx.status = 200;
    ctx.body = '';
  };
}
