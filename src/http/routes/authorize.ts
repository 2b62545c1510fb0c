import type { Context, Middleware } from 'koa';
import type { ServerContext } from '../../context.js';
import { message, Wait, type Message } from '../../i18n/translate.js';
import { clientKey } from '../../net/addresses.js';
import { checkAuthorizeRequest, type AuthorizeRequest, type UntrustedRequest } from '../../oauth/authorizeRequest.js';
import type { OAuthError } from '../../oauth/errors.js';
import type { AuthorizationTrace } from '../../oauth/observer.js';
import { paramsFromSearch, type OAuthParams } from '../../oauth/params.js';
import { authorizationResponseUrl } from '../../oauth/authorizationResponse.js';
import { Authorizations } from '../../services/authorization.js';
import { renderConsentPage } from '../../views/consentPage.js';
import { CsrfGuard } from '../csrf.js';
import { pagePolicy, pageTranslator, sendErrorPage, type FlowReferenceState } from '../htmlResponses.js';
import type { FormState } from '../middleware/parseForm.js';
import type { RequestLogState } from '../middleware/requestLog.js';

type State = FormState & RequestLogState & FlowReferenceState;

/** GET and POST /alexa/authorize: RFC 6749 §4.1.1-4.1.2 with a sign-in and consent page. */
export function authorizeRoutes(context: ServerContext): { show: Middleware<State>; decide: Middleware<State> } {
  const csrf = new CsrfGuard(context.config.publicUrl);
  const authorizations = new Authorizations(context);
  const action = `${context.config.publicUrl}/alexa/authorize`;

  function renderPage(ctx: Context, request: AuthorizeRequest, trace: AuthorizationTrace, status: number, shown?: Message, username?: string): void {
    let cookie = ctx.cookies.get(csrf.cookieName);
    if (!cookie) {
      cookie = csrf.newCookieValue();
      ctx.append('Set-Cookie', csrf.setCookieHeader(cookie));
    }
    ctx.status = status;
    ctx.set('Cache-Control', 'no-store');
    // No form-action: Chromium checks it against every hop of the redirect chain that follows the
    // post, and Amazon's redirect URI sends the browser on to hosts of its own choosing
    // (pitangui.amazon.com → skills-store.amazon.com …); naming only the first host stranded the
    // person on this page with the link made (test/consent-redirect-chain.test.ts). The page runs
    // no script and escapes every value, so nothing can plant a form that posts elsewhere.
    ctx.set('Content-Security-Policy', pagePolicy());
    ctx.type = 'html';
    ctx.body = renderConsentPage({
      request,
      action,
      csrfToken: csrf.tokenFor(cookie),
      flowId: trace.attemptId,
      username,
      message: shown,
      auth: context.config.auth,
      t: pageTranslator(ctx),
    });
  }

  function redirect(ctx: Context, redirectUri: string, params: Record<string, string | undefined>): void {
    // 303, never 307: a 307 would replay the POST, with the password, to the client (RFC 9700 §4.11).
    ctx.status = 303;
    ctx.set('Cache-Control', 'no-store');
    ctx.redirect(authorizationResponseUrl(redirectUri, context.config.publicUrl, params));
  }

  function redirectError(ctx: Context, redirectUri: string, state: string | undefined, error: OAuthError): void {
    (ctx.state as RequestLogState).errorDetail = `${error.code}: ${error.detail ?? error.description}`;
    redirect(ctx, redirectUri, { error: error.code, error_description: error.description, state });
  }

  function refuseBlocked(ctx: Context, request: AuthorizeRequest, trace: AuthorizationTrace, username: string, retryAfterSeconds: number): void {
    (ctx.state as RequestLogState).errorDetail = `sign-in blocked for ${username} from ${ctx.ip} for ${retryAfterSeconds} s`;
    trace.signInFailed('blocked', username, `from ${ctx.ip} for another ${retryAfterSeconds} s`);
    ctx.set('Retry-After', String(retryAfterSeconds));
    renderPage(ctx, request, trace, 429, message('consent.message.tooManyFailures', { wait: new Wait(retryAfterSeconds) }), username);
  }

  /** Checks the request; answers the problems itself and returns the checked request otherwise. */
  function check(ctx: Context, params: OAuthParams, trace: AuthorizationTrace): AuthorizeRequest | undefined {
    const checked = checkAuthorizeRequest(context, params);
    if (checked.outcome === 'ok') return checked.request;
    if (checked.outcome === 'show-error') {
      trace.refused({ reason: checked.reason, detail: checked.detail });
      (ctx.state as RequestLogState).errorDetail = checked.detail;
      const { title, text } = untrustedRequestPage(checked.untrusted);
      sendErrorPage(ctx, 400, title, text);
    } else {
      const { error } = checked;
      trace.refused({ reason: error.reason, detail: `${error.code}: ${error.detail ?? error.description}` });
      redirectError(ctx, checked.redirectUri, checked.state, error);
    }
    return undefined;
  }

  /** Every attempt gets a flow record; its id is the reference on any error page. */
  function startTrace(ctx: Context, params: OAuthParams): AuthorizationTrace {
    const trace = context.observer.authorizationRequest(params, (ctx.state as RequestLogState).log);
    if (trace.attemptId) (ctx.state as FlowReferenceState).flowId = trace.attemptId;
    return trace;
  }

  const show: Middleware<State> = async (ctx) => {
    const params = paramsFromSearch(new URLSearchParams(ctx.querystring));
    const trace = startTrace(ctx, params);
    const request = check(ctx, params, trace);
    if (!request) return;
    renderPage(ctx, request, trace, 200);
    trace.pageShown(ctx.get('host') || undefined);
  };

  const decide: Middleware<State> = async (ctx) => {
    const form = ctx.state.form;
    const trace = startTrace(ctx, form);
    // A browser that says the post came from another site (Fetch Metadata) is refused whatever it
    // carries; one that sends no Sec-Fetch-Site (older ones) still meets the token check.
    const crossSite = ctx.get('sec-fetch-site') === 'cross-site';
    if (crossSite || !csrf.isValid(ctx.cookies.get(csrf.cookieName), form.get('csrf_token'))) {
      ctx.state.errorDetail = crossSite
        ? 'CSRF check failed: the browser says the form was posted from another site (Sec-Fetch-Site: cross-site)'
        : 'CSRF check failed: missing or wrong csrf_token/cookie';
      trace.formExpired();
      sendErrorPage(ctx, 403, message('error.formExpired.title'), message('error.formExpired.text'));
      return;
    }
    const request = check(ctx, form, trace);
    if (!request) return;
    const decision = form.get('decision');
    if (decision === 'deny') {
      trace.denied();
      redirect(ctx, request.redirectUri, { error: 'access_denied', error_description: 'the user denied the request', state: request.state });
      return;
    }
    if (decision !== 'approve') {
      renderPage(ctx, request, trace, 400, message('consent.message.chooseDecision'));
      return;
    }
    const username = form.get('username')?.trim() ?? '';
    const password = form.get('password') ?? '';
    if (!username || !password) {
      renderPage(ctx, request, trace, 400, message('consent.message.missingCredentials'), username);
      return;
    }
    // A client that hangs up gives its place in the password-check queue to the next one.
    const hungUp = new AbortController();
    const onClose = () => {
      if (!ctx.res.writableFinished) hungUp.abort(new Error('the client hung up'));
    };
    ctx.res.once('close', onClose);
    const result = await authorizations.approve({ ...context, log: ctx.state.log }, request, { username, password }, clientKey(ctx.ip), trace.attemptId, hungUp.signal);
    ctx.res.off('close', onClose);
    switch (result.outcome) {
      case 'abandoned':
        ctx.state.errorDetail = `the client hung up while the sign-in of ${username} waited for a password check; nothing was checked`;
        ctx.status = 503;
        return;
      case 'blocked':
        refuseBlocked(ctx, request, trace, username, result.retryAfterSeconds);
        return;
      case 'busy':
        ctx.state.errorDetail = 'sign-in refused: every password-check slot is taken and the queue is full';
        trace.signInFailed('busy', username);
        ctx.set('Retry-After', String(result.retryAfterSeconds));
        renderPage(ctx, request, trace, 503, message('consent.message.busy', { wait: new Wait(result.retryAfterSeconds) }), username);
        return;
      case 'invalid':
        trace.signInFailed(result.reason ?? 'invalid', username);
        if (!result.next.allowed) refuseBlocked(ctx, request, trace, username, result.next.retryAfterSeconds);
        else renderPage(ctx, request, trace, 400, message('consent.message.wrongCredentials'), username);
        ctx.state.errorDetail = `sign-in failed for ${username}${result.next.allowed ? '' : `; the next attempt is blocked for ${result.next.retryAfterSeconds} s`}`;
        return;
      case 'unavailable':
        ctx.state.errorDetail = `sign-in backend unavailable: ${result.reason}`;
        trace.signInFailed('unavailable', username, result.reason);
        renderPage(ctx, request, trace, 503, message('consent.message.signInUnavailable'), username);
        return;
      case 'save-failed':
        trace.approved(result.username);
        ctx.state.errorDetail = result.detail;
        trace.saveFailed(result.detail);
        renderPage(ctx, request, trace, 503, message('consent.message.saveFailed'), username);
        return;
      case 'issued':
        trace.approved(result.username);
        redirect(ctx, request.redirectUri, { code: result.code, state: request.state });
        trace.codeIssued(request.redirectUri);
    }
  };

  return { show, decide };
}

/** The error page for a request whose client or redirect URI cannot be trusted, in the person's words. */
function untrustedRequestPage(untrusted: UntrustedRequest): { title: Message; text: Message } {
  switch (untrusted.problem) {
    case 'repeated':
      return { title: message('error.malformed.title'), text: message('error.malformed.repeated', { name: untrusted.name }) };
    case 'missing':
      return { title: message('error.incomplete.title'), text: message('error.incomplete.missing', { name: untrusted.name }) };
    case 'unknown-client':
      return { title: message('error.unknownClient.title'), text: message('error.unknownClient.text', { clientId: untrusted.clientId }) };
    case 'backend-client':
      return { title: message('error.backendClient.title'), text: message('error.backendClient.text', { clientId: untrusted.clientId }) };
    case 'redirect-uri-not-registered':
      return {
        title: message('error.redirectUri.title'),
        text: message('error.redirectUri.text', { client: untrusted.client.name, redirectUri: untrusted.redirectUri }),
      };
  }
}
