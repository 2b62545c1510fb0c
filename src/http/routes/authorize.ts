import type { Context, Middleware } from 'koa';
import { SignInGuard } from '../../abuse/signInGuard.js';
import { signIn } from '../../auth/signIn.js';
import type { BridgeContext } from '../../context.js';
import { checkAuthorizeRequest, type AuthorizeRequest } from '../../oauth/authorizeRequest.js';
import { issueCode } from '../../oauth/codes.js';
import type { OAuthError } from '../../oauth/errors.js';
import { paramsFromSearch, type OAuthParams } from '../../oauth/params.js';
import { authorizationResponseUrl } from '../../oauth/redirect.js';
import { StorageWriteError } from '../../storage/store.js';
import { renderConsentPage } from '../../views/consentPage.js';
import { CsrfGuard } from '../csrf.js';
import { pagePolicy, sendErrorPage } from '../htmlResponses.js';
import type { FormState } from '../middleware/parseForm.js';
import type { RequestLogState } from '../middleware/requestLog.js';

type State = FormState & RequestLogState;

/** GET and POST /alexa/authorize: RFC 6749 §4.1.1-4.1.2 with a sign-in and consent page. */
export function authorizeRoutes(context: BridgeContext): { show: Middleware<State>; decide: Middleware<State> } {
  const csrf = new CsrfGuard();
  const guard = new SignInGuard(context.config);
  const action = `${context.config.publicUrl}/alexa/authorize`;
  const secureCookie = context.config.publicUrl.startsWith('https:');
  const accountKind = context.config.auth === 'homeassistant' ? 'Home Assistant' : 'household';

  function renderPage(ctx: Context, request: AuthorizeRequest, status: number, error?: string, username?: string): void {
    let cookie = ctx.cookies.get(CsrfGuard.COOKIE);
    if (!cookie) {
      cookie = csrf.newCookieValue();
      ctx.append('Set-Cookie', csrf.setCookieHeader(cookie, secureCookie));
    }
    ctx.status = status;
    ctx.set('Cache-Control', 'no-store');
    // The form may post here, and what follows the post is a redirect to the client: Chrome checks
    // form-action against that redirect too.
    ctx.set('Content-Security-Policy', pagePolicy(`'self' ${context.config.publicUrl} ${new URL(request.redirectUri).origin}`));
    ctx.type = 'html';
    ctx.body = renderConsentPage({ request, action, csrfToken: csrf.tokenFor(cookie), username, error, accountKind });
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

  function refuseBlocked(ctx: Context, request: AuthorizeRequest, username: string, retryAfterSeconds: number): void {
    (ctx.state as RequestLogState).errorDetail = `sign-in blocked for ${username} from ${ctx.ip} for ${retryAfterSeconds} s`;
    ctx.set('Retry-After', String(retryAfterSeconds));
    renderPage(ctx, request, 429, `Too many failed sign-ins. Try again in ${formatWait(retryAfterSeconds)}.`, username);
  }

  /** Checks the request; answers the problems itself and returns the checked request otherwise. */
  function check(ctx: Context, params: OAuthParams): AuthorizeRequest | undefined {
    const checked = checkAuthorizeRequest(context, params);
    if (checked.outcome === 'ok') return checked.request;
    if (checked.outcome === 'show-error') {
      (ctx.state as RequestLogState).errorDetail = checked.detail;
      sendErrorPage(ctx, 400, checked.title, checked.message);
    } else {
      redirectError(ctx, checked.redirectUri, checked.state, checked.error);
    }
    return undefined;
  }

  const show: Middleware<State> = async (ctx) => {
    const request = check(ctx, paramsFromSearch(new URLSearchParams(ctx.querystring)));
    if (request) renderPage(ctx, request, 200);
  };

  const decide: Middleware<State> = async (ctx) => {
    const form = ctx.state.form;
    if (!csrf.isValid(ctx.cookies.get(CsrfGuard.COOKIE), form.get('csrf_token'))) {
      ctx.state.errorDetail = 'CSRF check failed: missing or wrong csrf_token/cookie';
      sendErrorPage(ctx, 403, 'This page has expired', 'The sign-in form was not sent from the page this server showed, or the page is too old.');
      return;
    }
    const request = check(ctx, form);
    if (!request) return;
    const decision = form.get('decision');
    if (decision === 'deny') {
      redirect(ctx, request.redirectUri, { error: 'access_denied', error_description: 'the user denied the request', state: request.state });
      return;
    }
    if (decision !== 'approve') {
      renderPage(ctx, request, 400, 'Choose Allow or Deny.');
      return;
    }
    const username = form.get('username')?.trim() ?? '';
    const password = form.get('password') ?? '';
    if (!username || !password) {
      renderPage(ctx, request, 400, 'Enter your username and password.', username);
      return;
    }
    const gate = await guard.check(username, ctx.ip);
    if (!gate.allowed) {
      refuseBlocked(ctx, request, username, gate.retryAfterSeconds);
      return;
    }
    const result = await signIn({ ...context, log: ctx.state.log }, username, password);
    if (result.outcome === 'invalid') {
      ctx.state.errorDetail = `sign-in failed for ${username}`;
      const next = await guard.recordFailure(username, ctx.ip);
      if (!next.allowed) refuseBlocked(ctx, request, username, next.retryAfterSeconds);
      else renderPage(ctx, request, 400, 'The username or password is not right.', username);
      return;
    }
    if (result.outcome === 'unavailable') {
      ctx.state.errorDetail = `sign-in backend unavailable: ${result.reason}`;
      renderPage(ctx, request, 503, 'Home Assistant could not be asked to check your password. Try again in a minute.', username);
      return;
    }
    await guard.recordSuccess(username, ctx.ip);
    let code: string;
    try {
      code = await issueCode(context, request, result.username);
    } catch (error) {
      if (!(error instanceof StorageWriteError)) throw error;
      ctx.state.errorDetail = error.message;
      renderPage(ctx, request, 503, 'The server could not save the link. Try again in a minute.', username);
      return;
    }
    redirect(ctx, request.redirectUri, { code, state: request.state });
  };

  return { show, decide };
}

function formatWait(seconds: number): string {
  if (seconds < 90) return `${seconds} seconds`;
  if (seconds < 5400) return `${Math.ceil(seconds / 60)} minutes`;
  return `${Math.ceil(seconds / 3600)} hours`;
}
