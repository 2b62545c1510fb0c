import type { Logger } from 'pino';
import type { GrantRecord } from '../storage/records.js';
import type { FailureReason, OAuthError } from './errors.js';
import type { ClientRequestFacts } from './facts.js';
import type { OAuthParams } from './params.js';

/** The consent form's hidden input that carries the attempt id from the page to its post. */
export const ATTEMPT_FIELD = 'flow_id';

/** Why the authorization endpoint refused a request, as the core decided it. */
export interface AuthorizeRefusal {
  reason: FailureReason | undefined;
  /** The private detail, as the log has it. */
  detail: string;
}
export type SignInFailureKind = 'invalid' | 'not-allowed' | 'blocked' | 'busy' | 'unavailable';

/** What the authorization endpoint reports about one request, step by step (RFC 6749 §4.1.1-4.1.2). */
export interface AuthorizationTrace {
  /** The id of the linking attempt this request belongs to, when one is kept: the reference on the page. */
  readonly attemptId: string | undefined;
  refused(refusal: AuthorizeRefusal): void;
  /** `host`: the request's Host header, to tell when the page was opened on another host than the public URL's. */
  pageShown(host: string | undefined): void;
  formExpired(): void;
  denied(): void;
  signInFailed(kind: SignInFailureKind, username: string, detail?: string): void;
  approved(username: string): void;
  saveFailed(detail: string): void;
  codeIssued(redirectUri: string): void;
}

/**
 * Who listens to the OAuth core: the linking diagnostics (src/diagnostics/). Like
 * node-oidc-provider's events, it is told what happened after the core decided the answer, and
 * it cannot change that answer. The core only ever calls it through `guardObserver`.
 */
export interface LinkingObserver {
  /** An authorization request arrived; `params` are the request's as the core read them. */
  authorizationRequest(params: OAuthParams, log: Logger): AuthorizationTrace;
  /** A client endpoint decided its answer: `error` when it refused. */
  clientRequestAnswered(facts: ClientRequestFacts, error: OAuthError | undefined, log: Logger): void;
  /** A smart-home directive of the linked account `grant` was carried to Home Assistant, which answered `status`. */
  directiveRelayed(grant: GrantRecord, status: number, log: Logger): void;
  /** Upkeep: marks attempts that went quiet, drops old ones; counts by kind. */
  sweep(): Record<string, number>;
  /** Writes what is still waiting; called on the way down. */
  flush(): Promise<void>;
}

const NO_TRACE: AuthorizationTrace = {
  attemptId: undefined,
  refused: () => undefined,
  pageShown: () => undefined,
  formExpired: () => undefined,
  denied: () => undefined,
  signInFailed: () => undefined,
  approved: () => undefined,
  saveFailed: () => undefined,
  codeIssued: () => undefined,
};

/**
 * The observer as the core calls it: an exception in it is logged and swallowed, so a broken
 * diagnosis loses the diagnosis, never the answer.
 */
export function guardObserver(observer: LinkingObserver, fallbackLog: Logger): LinkingObserver {
  const lost = (log: Logger, what: string, error: unknown) => log.error({ err: error, observer: what }, 'a diagnostic observer failed; the answer is unchanged');
  const attempt = <T>(log: Logger, what: string, run: () => T, otherwise: T): T => {
    try {
      return run();
    } catch (error) {
      lost(log, what, error);
      return otherwise;
    }
  };
  return {
    authorizationRequest(params, log) {
      const trace = attempt(log, 'authorizationRequest', () => observer.authorizationRequest(params, log), NO_TRACE);
      const guarded = (name: Exclude<keyof AuthorizationTrace, 'attemptId'>) =>
        (...args: unknown[]) => attempt(log, name, () => (trace[name] as (...a: unknown[]) => void)(...args), undefined);
      return {
        attemptId: attempt(log, 'attemptId', () => trace.attemptId, undefined),
        refused: guarded('refused'),
        pageShown: guarded('pageShown'),
        formExpired: guarded('formExpired'),
        denied: guarded('denied'),
        signInFailed: guarded('signInFailed'),
        approved: guarded('approved'),
        saveFailed: guarded('saveFailed'),
        codeIssued: guarded('codeIssued'),
      };
    },
    clientRequestAnswered: (facts, error, log) => attempt(log, 'clientRequestAnswered', () => observer.clientRequestAnswered(facts, error, log), undefined),
    directiveRelayed: (grant, status, log) => attempt(log, 'directiveRelayed', () => observer.directiveRelayed(grant, status, log), undefined),
    sweep: () => observer.sweep(),
    flush: () => observer.flush().catch((error: unknown) => lost(fallbackLog, 'flush', error)),
  };
}
