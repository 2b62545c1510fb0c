import type { Logger } from 'pino';
import type { Config } from './config/schema.js';
import type { LinkingObserver } from './oauth/observer.js';
import type { Store } from './storage/store.js';

/** Milliseconds since the epoch; tests pass a fixed clock. */
export type Clock = () => number;

/** What services need, passed in rather than imported, so tests can swap any part. */
export interface BridgeContext {
  config: Config;
  store: Store;
  clock: Clock;
  log: Logger;
}

/** The listeners' context: the services' and who observes the OAuth core. */
export interface ServerContext extends BridgeContext {
  /** Told what each OAuth request established (src/diagnostics/ records it); always guarded (guardObserver). */
  observer: LinkingObserver;
}
