import type { Logger } from 'pino';
import type { BridgeContext } from '../context.js';
import { ATTEMPT_FIELD, type AuthorizationTrace } from '../oauth/observer.js';
import type { OAuthParams } from '../oauth/params.js';
import { diagnoseAuthorizeRefusal, diagnoseSignInFailure, DENIED, FORM_EXPIRED, pageHostDiffers, saveFailed } from './authorizeDiagnoses.js';
import type { AttemptFields, AttemptRecorder, NewStep } from './attemptRecorder.js';
import { STEPS } from './steps.js';

/**
 * Starts the flow of an authorization request, or, for the consent form's post, continues the
 * page's flow when the form names one that is still open for the same client and redirect URI.
 */
export function traceAuthorizeRequest(context: BridgeContext, flows: AttemptRecorder, params: OAuthParams, log: Logger): AuthorizationTrace {
  const clientId = params.get('client_id');
  const redirectUri = params.get('redirect_uri');
  const open = flows.get(params.get(ATTEMPT_FIELD) ?? '');
  const last = open?.steps.at(-1);
  const continues =
    open && last && open.clientId === clientId && open.redirectUri === redirectUri && ['progress', 'retryable'].includes(STEPS[last.kind].phase);
  const flowId = continues
    ? open.id
    : flows.begin(
        {
          ...(clientId ? { clientId } : {}),
          ...(redirectUri ? { redirectUri } : {}),
          ...(params.get('scope') ? { scope: params.get('scope')! } : {}),
          pkce: params.get('code_challenge') !== undefined,
        },
        { kind: 'authorize', note: describeRequest(params) },
        log,
      ).id;
  const record = (step: NewStep, fields: AttemptFields = {}) => void flows.record(flowId, step, fields, log);
  return {
    attemptId: flowId,
    refused: (refusal) => record({ kind: 'refused', diagnosis: diagnoseAuthorizeRefusal(context, params, refusal) }),
    pageShown: (host) => {
      const differs = pageHostDiffers(host, context.config.publicUrl);
      record({ kind: 'page', ...(differs ? { diagnosis: differs } : {}) });
    },
    // A page shown on another host explains the missing cookie better than the usual causes.
    formExpired: () => {
      const shown = open?.steps.findLast((step) => step.kind === 'page');
      record({ kind: 'form-expired', diagnosis: shown?.diagnosis?.reason === 'page_host_differs' ? shown.diagnosis : FORM_EXPIRED });
    },
    denied: () => record({ kind: 'denied', diagnosis: DENIED }),
    signInFailed: (kind, username, detail) =>
      record({
        kind: kind === 'blocked' ? 'sign-in-blocked' : kind === 'unavailable' ? 'sign-in-unavailable' : 'sign-in-failed',
        note: `as “${username}”`,
        diagnosis: diagnoseSignInFailure({ kind, username, ...(detail ? { detail } : {}) }, context.config.auth),
      }),
    approved: (username) => {
      record({ kind: 'signed-in', note: `as ${username}` }, { username });
      record({ kind: 'approved' });
    },
    saveFailed: (detail) => record({ kind: 'save-failed', diagnosis: saveFailed(detail) }),
    codeIssued: (to) => {
      flows.noteCodeIssued(flowId);
      record({ kind: 'code-issued', note: `redirect to ${new URL(to).host}` });
    },
  };
}

/** The authorize request as the admin needs to see it: never the state's or the challenge's value. */
function describeRequest(params: OAuthParams): string {
  const pkce = params.get('code_challenge') ? `PKCE ${params.get('code_challenge_method') ?? 'plain'}` : 'no PKCE';
  return [
    `client ${params.get('client_id') ?? '(none)'}`,
    `redirect_uri ${params.get('redirect_uri') ?? '(none)'}`,
    `scope ${params.get('scope') ?? '(default)'}`,
    pkce,
    params.get('state') ? 'state sent' : 'no state',
  ].join(', ');
}
