import type { Logger } from 'pino';
import type { Config } from './config/schema.js';
import type { FlowRecorder } from './diagnostics/flowRecorder.js';
import type { Store } from './storage/store.js';

/** Milliseconds since the epoch; tests pass a fixed clock. */
export type Clock = () => number;

/** What services need, passed in rather than imported, so tests can swap any part. */
export interface BridgeContext {
  config: Config;
  store: Store;
  clock: Clock;
  log: Logger;
  /** Where each authorization attempt's steps are recorded, for `flows` and the admin page. */
  flows: FlowRecorder;
}
