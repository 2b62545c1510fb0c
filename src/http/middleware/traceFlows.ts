import type { Middleware } from 'koa';
import type { BridgeContext } from '../../context.js';
import { locateTokenRequest, traceIntrospection, traceTokenFailure, traceTokenSuccess } from '../../diagnostics/tokenTrace.js';
import { OAuthError } from '../../oauth/errors.js';
import type { ClientState } from '../routes/token.js';

/**
 * Tells the flow records what the client endpoints did: each token exchange and refusal (with
 * its diagnosis, before client authentication so a wrong secret is traced too), the first
 * refresh and the first introspection. Sits after the form is read.
 */
export function traceClientRequests(context: BridgeContext): Middleware<ClientState> {
  return async (ctx, next) => {
    const { form, log } = ctx.state;
    if (form.get('grant_type') === undefined) {
      await next();
      const answer = ctx.body as { active?: unknown } | undefined;
      const token = form.get('token');
      if (answer?.active === true && token) traceIntrospection(context, token, log);
      return;
    }
    const located = locateTokenRequest(context, form);
    try {
      await next();
    } catch (caught) {
      if (!(caught instanceof OAuthError)) throw caught;
      throw traceTokenFailure(
        context,
        caught,
        {
          params: form,
          authorization: ctx.get('authorization') || undefined,
          clientDate: ctx.get('date') || undefined,
          clientAuthenticated: ctx.state.client !== undefined,
        },
        located,
        log,
      );
    }
    traceTokenSuccess(context, located, log);
  };
}
