import type { Middleware } from 'koa';
import type { ApiLimits } from '../../throttling/apiLimits.js';
import type { ServerContext } from '../../context.js';
import { OAuthError } from '../../oauth/errors.js';
import type { SupportedGrantType } from '../../oauth/facts.js';
import { grantHandlers, isSupportedGrantType, locatePresentedGrant } from '../../oauth/grants/registry.js';
import { authenticatedClient, clientRequest, type ClientState } from '../middleware/clientRequest.js';

/**
 * POST /alexa/token (RFC 6749 §3.2): the client steps, what the request presents, client
 * authentication, the grant type, the grant.
 */
export function tokenEndpoint(context: ServerContext, limits: ApiLimits): Middleware<ClientState>[] {
  return [...clientRequest('token', context, limits), notePresentedGrant(context), ...authenticatedClient(context, limits), checkGrantType, issueTokens(context)];
}

/**
 * Notes the code or refresh token the request presents, before client authentication, so that a
 * refusal for the wrong client or secret still belongs to its linking attempt. Decides nothing.
 */
function notePresentedGrant(context: ServerContext): Middleware<ClientState> {
  return async (ctx, next) => {
    const { form, facts } = ctx.state;
    const grantType = form.get('grant_type');
    if (grantType !== undefined && isSupportedGrantType(grantType)) {
      facts.grantType = grantType;
      locatePresentedGrant(context, grantType, form, facts);
    }
    await next();
  };
}

/** RFC 6749 §5.2: password, client_credentials and anything unknown are unsupported here. */
const checkGrantType: Middleware<ClientState> = async (ctx, next) => {
  const grantType = ctx.state.form.get('grant_type');
  if (!grantType) throw new OAuthError('invalid_request', 'grant_type is required');
  if (!isSupportedGrantType(grantType)) {
    throw new OAuthError('unsupported_grant_type', `grant_type ${grantType} is not supported; use authorization_code or refresh_token`);
  }
  await next();
};

function issueTokens(context: ServerContext): Middleware<ClientState> {
  return async (ctx) => {
    const { form, facts } = ctx.state;
    const client = ctx.state.client.client;
    if (client.backendFor) {
      // RFC 6749 §5.2: the client authenticated, but may use no grant at all.
      throw new OAuthError('unauthorized_client', 'a backend client may only introspect tokens; it cannot obtain any', {
        detail: `backend client ${client.id} sent grant_type ${form.get('grant_type')}`,
      });
    }
    const handler = grantHandlers[form.get('grant_type') as SupportedGrantType];
    ctx.body = await handler(context, client, form, facts);
  };
}
