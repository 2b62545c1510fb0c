import type { Middleware } from 'koa';
import type { ApiLimits } from '../../throttling/apiLimits.js';
import type { ServerContext } from '../../context.js';
import { authenticateClient, type AuthenticatedClient } from '../../oauth/clientAuthentication.js';
import { OAuthError } from '../../oauth/errors.js';
import { newClientRequestFacts, type ClientEndpoint, type ClientRequestFacts } from '../../oauth/facts.js';
import { renderApiErrors } from './apiErrors.js';
import { noStore } from './noStore.js';
import { parseForm, rejectRepeatedParams, type FormState } from './parseForm.js';
import { countAuthFailures, limitByAddress, limitByClient } from './rateLimit.js';
import type { RequestLogState } from './requestLog.js';

export interface ClientState extends FormState, RequestLogState {
  /** What the core established about this request, for the observer. */
  facts: ClientRequestFacts;
  client: AuthenticatedClient;
}

/**
 * The steps every client endpoint (token, revocation, introspection) starts with, in order:
 * no caching, RFC 6749 §5.2 errors, per-address limits, the flat form, then the observer.
 */
export function clientRequest(endpoint: ClientEndpoint, context: ServerContext, limits: ApiLimits): Middleware<ClientState>[] {
  return [noStore, renderApiErrors, limitByAddress(limits), countAuthFailures(limits), parseForm, rejectRepeatedParams, reportAnswer(endpoint, context)];
}

/** Client authentication (RFC 6749 §2.3), then the per-client limit. */
export function authenticatedClient(context: ServerContext, limits: ApiLimits): Middleware<ClientState>[] {
  return [requireClient(context), limitByClient(limits)];
}

/**
 * Collects the request's facts and hands them, with the answer's error, to the observer once the
 * answer is decided. The observer is guarded: whatever it does, the answer stays.
 */
function reportAnswer(endpoint: ClientEndpoint, context: ServerContext): Middleware<ClientState> {
  return async (ctx, next) => {
    const facts = newClientRequestFacts(endpoint);
    const date = ctx.get('date');
    if (date) facts.clientDate = date;
    ctx.state.facts = facts;
    try {
      await next();
    } catch (caught) {
      if (caught instanceof OAuthError) context.observer.clientRequestAnswered(facts, caught, ctx.state.log);
      throw caught;
    }
    context.observer.clientRequestAnswered(facts, undefined, ctx.state.log);
  };
}

/** Authenticates the calling client (RFC 6749 §2.3) and keeps it in `ctx.state.client`. */
function requireClient(context: ServerContext): Middleware<ClientState> {
  return async (ctx, next) => {
    ctx.state.client = authenticateClient(context, ctx.get('authorization') || undefined, ctx.state.form, ctx.state.facts);
    await next();
  };
}
