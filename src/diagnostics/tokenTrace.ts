import type { Logger } from 'pino';
import type { BridgeContext } from '../context.js';
import { OAuthError } from '../oauth/errors.js';
import type { OAuthParams } from '../oauth/params.js';
import { hashSecret } from '../oauth/secrets.js';
import type { CodeRecord, FlowStepKind, GrantRecord } from '../storage/records.js';
import type { FlowFields, NewStep } from './flowRecorder.js';
import { diagnoseTokenFailure, presentedClientId } from './tokenDiagnoses.js';

/** What a token request refers to, looked up before it runs: a later step may consume or rotate it. */
export interface LocatedTokenRequest {
  grantType: string | undefined;
  code: CodeRecord | undefined;
  grant: GrantRecord | undefined;
  flowId: string | undefined;
  firstRefresh: boolean;
}

/** Failures with no flow of their own that repeat within this time join the last such flow instead of starting one each. */
const REPEATS_JOIN_MS = 10 * 60_000;

export function locateTokenRequest(context: BridgeContext, params: OAuthParams): LocatedTokenRequest {
  const grantType = params.get('grant_type');
  const presentedCode = grantType === 'authorization_code' ? params.get('code') : undefined;
  const code = presentedCode ? context.store.codes.get(hashSecret(presentedCode)) : undefined;
  const refreshToken = grantType === 'refresh_token' ? params.get('refresh_token') : undefined;
  const location = refreshToken ? context.store.tokens.find(hashSecret(refreshToken)) : undefined;
  const grant = location && location.kind !== 'access' ? context.store.grants.get(location.grantId) : undefined;
  return { grantType, code, grant, flowId: code?.flowId ?? grant?.flowId, firstRefresh: grant !== undefined && grant.refreshCount === 0 };
}

/** Records tokens issued for a code, or a grant's first refresh. */
export function traceTokenSuccess(context: BridgeContext, located: LocatedTokenRequest, log: Logger): void {
  if (located.grantType === 'authorization_code' && located.code) {
    const grantId = context.store.codes.get(located.code.hash)?.grantId;
    context.flows.record(located.flowId, { kind: 'tokens-issued', note: `linked account ${grantId}` }, grantId ? { grantId } : {}, log);
  } else if (located.firstRefresh) {
    context.flows.record(located.flowId, { kind: 'refreshed' }, {}, log);
  }
}

/**
 * Records a refused token request with its diagnosis, in its flow when it has one, and returns
 * the error to answer with: with the diagnosis' public hint added when the client proved who it
 * is, as that hint only tells it about what it sent itself.
 */
export function traceTokenFailure(
  context: BridgeContext,
  error: OAuthError,
  request: { params: OAuthParams; authorization: string | undefined; clientDate: string | undefined; clientAuthenticated: boolean },
  located: LocatedTokenRequest,
  log: Logger,
): OAuthError {
  const { diagnosis, publicHint } = diagnoseTokenFailure(context, error, {
    params: request.params,
    authorization: request.authorization,
    clientDate: request.clientDate,
    code: located.code,
    grant: located.grant,
    steadyAgeMs: context.flows.steadyAgeOfCode(located.code?.flowId),
  });
  const kind: FlowStepKind = located.grantType === 'refresh_token' ? 'refresh-failed' : 'token-failed';
  const step: NewStep = { kind, note: `${error.status} ${error.code}`, diagnosis };
  if (!context.flows.record(located.flowId, step, {}, log)) {
    const clientId = presentedClientId(request.params, request.authorization) ?? located.code?.clientId ?? located.grant?.clientId;
    const fields: FlowFields = {
      ...(clientId ? { clientId } : {}),
      ...(located.grant ? { username: located.grant.username, grantId: located.grant.id } : {}),
    };
    const repeated = context.flows
      .recent(10)
      .find(
        (flow) =>
          flow.steps[0]?.kind === kind &&
          flow.clientId === fields.clientId &&
          flow.steps.at(-1)?.diagnosis?.reason === diagnosis.reason &&
          context.clock() - flow.updatedAt < REPEATS_JOIN_MS,
      );
    if (!repeated || !context.flows.record(repeated.id, step, {}, log)) context.flows.begin(fields, step, log);
  }
  if (!publicHint || !request.clientAuthenticated) return error;
  return new OAuthError(error.code, `${error.description}: ${publicHint}`, {
    status: error.status,
    headers: error.headers,
    ...(error.detail ? { detail: error.detail } : {}),
    ...(error.reason ? { reason: error.reason } : {}),
  });
}

/** Records the first time the skill's backend asks about a token of a linked account. */
export function traceIntrospection(context: BridgeContext, token: string, log: Logger): void {
  const location = context.store.tokens.find(hashSecret(token));
  const grant = location ? context.store.grants.get(location.grantId) : undefined;
  const flow = grant?.flowId ? context.flows.get(grant.flowId) : undefined;
  if (flow && !flow.steps.some((step) => step.kind === 'introspected')) context.flows.record(flow.id, { kind: 'introspected' }, {}, log);
}
