import type { Middleware } from 'koa';
import type { ServerContext } from '../../context.js';
import { readAtMost } from '../../net/boundedRead.js';
import { OAuthError } from '../../oauth/errors.js';
import { authorizeDirective, DIRECTIVE_MAX_BYTES, relayDirective, type DirectiveRefusal } from '../../smartHome/relay.js';
import type { ApiLimits } from '../../throttling/apiLimits.js';
import { renderApiErrors, type ErrorLogState } from '../middleware/apiErrors.js';
import { limitByAddress, enforceLimit } from '../middleware/rateLimit.js';
import type { RequestLogState } from '../middleware/requestLog.js';

const REALM = 'Bearer realm="alexa-oauth-bridge"';

const REFUSALS: Record<Exclude<DirectiveRefusal, 'missing'>, string> = {
  'unknown-or-expired': 'the access token is unknown, expired or revoked',
  'not-an-access-token': 'a refresh token is not an access token',
  'client-not-allowed': "the access token's client may not send smart-home directives (smart_home_clients)",
};

/**
 * POST /api/alexa/smart_home, the path Home Assistant's Alexa Lambda posts to: a directive with a
 * bearer token of this bridge (RFC 6750 §2.1) goes to Home Assistant's own endpoint. Only
 * mounted when `smart_home_clients` is set. The access log line carries the client, never the
 * body; the linked account's flow gets its first directive.
 */
export function smartHomeEndpoint(context: ServerContext, limits: ApiLimits): Middleware<RequestLogState>[] {
  return [renderApiErrors, limitByAddress(limits), relay(context, limits)];
}

function relay(context: ServerContext, limits: ApiLimits): Middleware<RequestLogState & ErrorLogState> {
  return async (ctx) => {
    const decided = authorizeDirective(context, bearerToken(ctx.get('Authorization')));
    if ('refused' in decided) {
      // Not a failed client authentication: bearer tokens are 256-bit random, and the Lambda's one
      // address carries every household member's directives, so one revoked link must not block it.
      // RFC 6750 §3.1: no error code when the request carried no token at all.
      throw decided.refused === 'missing'
        ? new OAuthError('invalid_request', 'a bearer token is required', { status: 401, headers: { 'WWW-Authenticate': REALM } })
        : new OAuthError('invalid_token', REFUSALS[decided.refused], {
            status: 401,
            detail: `smart-home directive refused: ${decided.refused}`,
            headers: { 'WWW-Authenticate': `${REALM}, error="invalid_token"` },
          });
    }
    const { grant } = decided;
    ctx.state.log = ctx.state.log.child({ clientId: grant.clientId, grantId: grant.id });
    enforceLimit(ctx, await limits.takeClient(grant.clientId), `client ${grant.clientId}`);

    const declared = Number(ctx.get('Content-Length') || 0);
    const directive = declared > DIRECTIVE_MAX_BYTES ? undefined : await readAtMost(ctx.req, DIRECTIVE_MAX_BYTES);
    if (!directive) {
      throw new OAuthError('invalid_request', `a directive is at most ${DIRECTIVE_MAX_BYTES} bytes`, { status: 413, headers: { Connection: 'close' } });
    }

    const answer = await relayDirective(context.config, directive, ctx.get('Content-Type') || undefined);
    if (answer.from === 'bridge') {
      ctx.state.errorDetail = answer.detail;
      ctx.status = answer.status;
      ctx.body = { error: answer.error, error_description: answer.description };
      ctx.state.log.warn({ error: answer.error, detail: answer.detail }, 'smart-home directive not relayed');
      return;
    }
    context.observer.directiveRelayed(grant, answer.status, ctx.state.log);
    ctx.status = answer.status;
    ctx.body = answer.body;
    // Home Assistant's content type exactly as it was (ctx.type would add a charset); none stays none.
    if (answer.contentType) ctx.set('Content-Type', answer.contentType);
    else ctx.remove('Content-Type');
  };
}

/** RFC 6750 §2.1: `Bearer <token>`, the scheme case-insensitive; anything else is no token. */
function bearerToken(header: string): string | undefined {
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  return match?.[1];
}
