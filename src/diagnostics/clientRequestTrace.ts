import type { Logger } from 'pino';
import type { BridgeContext } from '../context.js';
import type { OAuthError } from '../oauth/errors.js';
import type { ClientRequestFacts } from '../oauth/facts.js';
import type { FlowStepKind } from '../storage/records.js';
import type { AttemptFields, AttemptRecorder, NewStep } from './attemptRecorder.js';
import { diagnoseTokenFailure } from './tokenDiagnoses.js';

/** Failures with no flow of their own that repeat within this time join the last such flow instead of starting one each. */
const REPEATS_JOIN_MS = 10 * 60_000;

/**
 * Turns what a client endpoint established into flow steps: tokens issued for a code, a grant's
 * first refresh, the first introspection of a linked account's token, and every refused token
 * request with its diagnosis. Revocations only end links; their own flow step is the refresh
 * that fails afterwards.
 */
export function traceClientRequest(core: BridgeContext, flows: AttemptRecorder, facts: ClientRequestFacts, error: OAuthError | undefined, log: Logger): void {
  const flowId = facts.code?.flowId ?? facts.grant?.flowId;
  switch (facts.endpoint) {
    case 'token':
      if (error) traceTokenFailure(core, flows, facts, error, log);
      else if (facts.grantType === 'authorization_code' && facts.createdGrantId) {
        flows.record(flowId, { kind: 'tokens-issued', note: `linked account ${facts.createdGrantId}` }, { grantId: facts.createdGrantId }, log);
      } else if (facts.grantType === 'refresh_token' && facts.grant?.refreshCount === 0) {
        flows.record(flowId, { kind: 'refreshed' }, {}, log);
      }
      return;
    case 'introspection': {
      const flow = facts.active && flowId ? flows.get(flowId) : undefined;
      if (flow && !flow.steps.some((step) => step.kind === 'introspected')) flows.record(flow.id, { kind: 'introspected' }, {}, log);
      return;
    }
    case 'revocation':
      return;
  }
}

/** Records a refused token request with its diagnosis, in its flow when it has one. */
function traceTokenFailure(core: BridgeContext, flows: AttemptRecorder, facts: ClientRequestFacts, error: OAuthError, log: Logger): void {
  const diagnosis = diagnoseTokenFailure(core, error, facts, flows.steadyAgeOfCode(facts.code?.flowId));
  const kind: FlowStepKind = facts.grantType === 'refresh_token' ? 'refresh-failed' : 'token-failed';
  const step: NewStep = { kind, note: `${error.status} ${error.code}`, diagnosis };
  if (flows.record(facts.code?.flowId ?? facts.grant?.flowId, step, {}, log)) return;
  const clientId = facts.clientId ?? facts.code?.clientId ?? facts.grant?.clientId;
  const fields: AttemptFields = {
    ...(clientId ? { clientId } : {}),
    ...(facts.grant ? { username: facts.grant.username, grantId: facts.grant.id } : {}),
  };
  const repeated = flows
    .recent(10)
    .find(
      (flow) =>
        flow.steps[0]?.kind === kind &&
        flow.clientId === fields.clientId &&
        flow.steps.at(-1)?.diagnosis?.reason === diagnosis.reason &&
        core.clock() - flow.updatedAt < REPEATS_JOIN_MS,
    );
  if (!repeated || !flows.record(repeated.id, step, {}, log)) flows.begin(fields, step, log);
}
