import type { Middleware } from 'koa';
import type { BridgeContext } from '../../context.js';
import { authenticateClient, type AuthenticatedClient } from '../../oauth/clientAuthentication.js';
import { OAuthError } from '../../oauth/errors.js';
import { grantHandlers } from '../../oauth/grants/registry.js';
import type { FormState } from '../middleware/parseForm.js';
import type { RequestLogState } from '../middleware/requestLog.js';

export interface ClientState extends FormState, RequestLogState {
  client: AuthenticatedClient;
}

/** Authenticates the calling client (RFC 6749 §2.3) and keeps it in `ctx.state.client`. */
export function requireClient(context: BridgeContext): Middleware<ClientState> {
  return async (ctx, next) => {
    ctx.state.client = authenticateClient(context, ctx.get('authorization') || undefined, ctx.state.form);
    await next();
  };
}

/** RFC 6749 §5.2: password, client_credentials and anything unknown are unsupported here. */
export const checkGrantType: Middleware<ClientState> = async (ctx, next) => {
  const grantType = ctx.state.form.get('grant_type');
  if (!grantType) throw new OAuthError('invalid_request', 'grant_type is required');
  if (!grantHandlers.has(grantType)) {
    throw new OAuthError('unsupported_grant_type', `grant_type ${grantType} is not supported; use authorization_code or refresh_token`);
  }
  await next();
};

export function issueTokens(context: BridgeContext): Middleware<ClientState> {
  return async (ctx) => {
    const client = ctx.state.client.client;
    if (client.backendFor) {
      // RFC 6749 §5.2: the client authenticated, but may use no grant at all.
      throw new OAuthError('unauthorized_client', 'a backend client may only introspect tokens; it cannot obtain any', {
        detail: `backend client ${client.id} sent grant_type ${ctx.state.form.get('grant_type')}`,
      });
    }
    const handler = grantHandlers.get(ctx.state.form.get('grant_type')!)!;
    ctx.body = await handler(context, client, ctx.state.form);
  };
}
