import type { Logger } from 'pino';
import type { BridgeContext } from '../context.js';
import type { OAuthError } from '../oauth/errors.js';
import type { ClientRequestFacts } from '../oauth/facts.js';
import type { AuthorizationTrace, LinkingObserver } from '../oauth/observer.js';
import type { OAuthParams } from '../oauth/params.js';
import type { GrantRecord } from '../storage/records.js';
import { traceAuthorizeRequest } from './authorizationTrace.js';
import type { AttemptRecorder } from './attemptRecorder.js';
import { traceClientRequest } from './clientRequestTrace.js';

/**
 * The linking diagnostics as an observer of the OAuth core: each request's facts become steps of
 * its linking attempt, refusals get a cause and a fix. Reads the store, never writes a link.
 */
export class LinkingDiagnostics implements LinkingObserver {
  constructor(
    private readonly core: BridgeContext,
    private readonly flows: AttemptRecorder,
  ) {}

  authorizationRequest(params: OAuthParams, log: Logger): AuthorizationTrace {
    return traceAuthorizeRequest(this.core, this.flows, params, log);
  }

  clientRequestAnswered(facts: ClientRequestFacts, error: OAuthError | undefined, log: Logger): void {
    traceClientRequest(this.core, this.flows, facts, error, log);
  }

  directiveRelayed(grant: GrantRecord, status: number, log: Logger): void {
    const flow = grant.flowId ? this.flows.get(grant.flowId) : undefined;
    if (flow && !flow.steps.some((step) => step.kind === 'directive')) this.flows.record(flow.id, { kind: 'directive', note: `Home Assistant answered ${status}` }, {}, log);
  }

  sweep(): Record<string, number> {
    return this.flows.sweep();
  }

  flush(): Promise<void> {
    return this.flows.flush();
  }
}
