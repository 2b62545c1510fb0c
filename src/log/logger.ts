import { mkdir, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pino, type DestinationStream, type Logger } from 'pino';
import pinoRoll from 'pino-roll';
import type { Config } from '../config/schema.js';
import { visible } from '../text/visible.js';

/** What stands in a log line for a value that is never logged. */
export const REDACTED = '[redacted]';

/**
 * Keys whose values are never logged, at every depth of a log object, errors and their causes
 * included: the request log writes paths without their query, and these catch what a careless
 * log call might pass (`{ form: {...} }`, `{ req: { headers } }`, an error carrying the request).
 * Compared as `secretKeyForm` writes them, so `Authorization`, `Client_Secret`, `clientSecret`
 * and `x-supervisor-token` are the same keys as the form fields and headers.
 */
const SECRET_KEYS: ReadonlySet<string> = new Set(
  [
    'password',
    'client_secret',
    'code_verifier',
    'access_token',
    'refresh_token',
    'token',
    'authorization',
    'proxy-authorization',
    'cookie',
    'set-cookie',
    'supervisor_token',
    'x-supervisor-token',
    'home_assistant_token',
  ].map(secretKeyForm),
);

/** A key as SECRET_KEYS holds it: lower case, without `_`, `-`, blanks or dots. */
function secretKeyForm(key: string): string {
  return key.toLowerCase().replace(/[\s_.-]+/g, '');
}

const keyForms = new Map<string, boolean>();

/** Whether `key` names a secret; the answer is kept, since log objects use few distinct keys. */
function isSecretKey(key: string): boolean {
  let secret = keyForms.get(key);
  if (secret === undefined) {
    secret = SECRET_KEYS.has(secretKeyForm(key));
    if (keyForms.size < 10_000) keyForms.set(key, secret);
  }
  return secret;
}

/** Levels of a log object that are read; a value below them is written as TOO_DEEP, never unread. */
const LOG_DEPTH = 8;
const TOO_DEEP = '[too deep]';

/**
 * A log call's object as it may be written: a secret key's value becomes `[redacted]`, and every
 * string invisible or bidirectional control characters as visible escapes (log lines carry what
 * requests sent: user names, client ids, URIs). `code` is a secret only at the top, as an
 * authorization code; one level down (`err.code`: ENOSPC…) it is what an admin needs to read.
 * An error becomes what pino's serializer makes of it (type, message and stack with its causes,
 * its own fields), read the same way. Done in one walk instead of pino's `redact` paths, which
 * cost several times the rest of an access line. Child bindings are not read: bind ids only.
 */
export function loggable(object: Record<string, unknown>): Record<string, unknown> {
  return scrubbed(object, LOG_DEPTH, true);
}

function scrubbed(object: Record<string, unknown>, depth: number, top: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in object) {
    if (!Object.hasOwn(object, key)) continue;
    const value = object[key];
    out[key] = value !== undefined && (isSecretKey(key) || (top && key === 'code')) ? REDACTED : scrubbedValue(value, depth - 1);
  }
  return out;
}

function scrubbedValue(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return visible(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth === 0) return TOO_DEEP;
  if (Array.isArray(value)) return value.map((item) => scrubbedValue(item, depth - 1));
  if (value instanceof Error) {
    // The stack is written as it is: its line breaks are what makes it readable.
    const { stack, ...fields } = pino.stdSerializers.err(value) as unknown as Record<string, unknown>;
    return { ...scrubbed(fields, depth, false), stack };
  }
  // Read as JSON.stringify would write it: what toJSON gives (a URL, a Date), else own fields.
  const { toJSON } = value as { toJSON?: unknown };
  if (typeof toJSON === 'function') return scrubbedValue(toJSON.call(value), depth - 1);
  return scrubbed(value as Record<string, unknown>, depth, false);
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { name: 'alexa-oauth-bridge' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { log: loggable },
      // loggable() has serialized every error already; pino's would read the result as one again.
      serializers: { err: (value: unknown) => value },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((arg) => (typeof arg === 'string' ? visible(arg) : arg)) as Parameters<typeof method>);
        },
      },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** A SonicBoom (pino.destination, pino-roll): what `GuardedDestination` listens to. */
type SonicBoomLike = DestinationStream & NodeJS.EventEmitter & { flushSync?(): void; end?(): void };

/** SonicBoom holds at most this many bytes for a destination that cannot write; beyond, it drops ('drop'). */
const MAX_PENDING_BYTES = 64 * 1024;
/** While a destination fails, one line a second is still handed to it, to find out when it works again. */
const RETRY_MS = 1000;

/**
 * A log destination that can neither end nor stop the process. SonicBoom emits 'error' on a
 * failed write (ENOSPC, EPIPE), and Node ends the process on an 'error' nobody listens to; its
 * `flushSync` loops for ever on one. While the destination fails, lines are counted and dropped,
 * except one a second that tries it again; once a write goes through, `onRecovered` hears how
 * many were lost. Lines SonicBoom drops because more than `MAX_PENDING_BYTES` wait (the reader
 * fell behind) are counted and reported the same way.
 */
class GuardedDestination implements DestinationStream {
  private error: string | undefined;
  private dropped = 0;
  private lastTry = 0;
  private lastReport = Number.NEGATIVE_INFINITY;
  private ended = false;

  constructor(
    private readonly stream: SonicBoomLike,
    onRecovered: (report: { dropped: number; error: string }) => void,
  ) {
    stream.on('error', (cause: NodeJS.ErrnoException) => {
      this.error ??= cause.code ?? String(cause);
      this.lastTry = performance.now();
    });
    stream.on('drop', (data: string) => {
      this.dropped += Math.max(1, data.split('\n').length - 1);
    });
    stream.on('write', () => {
      if (this.error === undefined && this.dropped === 0) return;
      // Lines dropped because the reader fell behind (a paused pipe, a thread pool busy with
      // hashing) are reported too, at most once a second, since the report is a line itself.
      if (this.error === undefined && performance.now() - this.lastReport < RETRY_MS) return;
      const report = { dropped: this.dropped, error: this.error ?? `it fell behind by more than ${MAX_PENDING_BYTES / 1024} KiB` };
      this.error = undefined;
      this.dropped = 0;
      this.lastReport = performance.now();
      // Not from inside the destination's own write.
      setImmediate(() => onRecovered(report));
    });
  }

  write(line: string): void {
    // A request that outlived the shutdown may still log; a closed destination would throw.
    if (this.ended) return;
    if (this.error !== undefined && performance.now() - this.lastTry < RETRY_MS) {
      this.dropped++;
      return;
    }
    this.lastTry = performance.now();
    this.stream.write(line);
  }

  /** Writes what is held back, unless the destination fails (then SonicBoom's flushSync would never return). */
  flushSync(): void {
    if (this.error === undefined) this.stream.flushSync?.();
  }

  end(): void {
    this.ended = true;
    this.stream.end?.();
  }
}

/**
 * The daemon's log: stdout (the add-on's log tab) and, as the linking audit trail, size-capped
 * JSON-lines files in <data dir>/logs, the oldest removed (also those of earlier runs) so at
 * most `logFiles` files of `logFileMb` exist. Neither can stop the daemon: a destination that
 * fails (a full disk, a closed stdout) drops lines, counts them and says so once it writes again.
 */
export async function createDaemonLogger(
  config: Config,
  stdout: SonicBoomLike = pino.destination({ dest: 1, sync: false, maxLength: MAX_PENDING_BYTES }),
): Promise<{ log: Logger; close(): void }> {
  let log: Logger | undefined;
  const reportRecovery = (destination: string) => (report: { dropped: number; error: string }) =>
    log?.warn(
      { destination, droppedLines: report.dropped, error: report.error },
      `${report.dropped} log lines could not be written to ${destination} (${report.error}) and were dropped; writing again`,
    );
  const out = new GuardedDestination(stdout, reportRecovery('stdout'));
  if (config.logFiles === 0) {
    log = createLogger(config.logLevel, out);
    return { log, close: () => out.flushSync() };
  }
  const folder = join(config.dataDir, 'logs');
  process.umask(0o077); // pino-roll has no mode option; the logs name users and addresses
  // pino-roll's own mkdir races with its first open; the folder must exist before it starts.
  // Creating an empty folder or file takes no free blocks, so this works on a full disk too.
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const rolling = await pinoRoll({
    file: join(folder, 'bridge'),
    size: `${Math.round(config.logFileMb * 1024)}k`,
    // pino-roll's count is the files kept besides the current one, and must be at least 1; for
    // log_files=1 the one it keeps is removed below once each roll's own cleanup is done.
    limit: { count: Math.max(1, config.logFiles - 1), removeOtherLogFiles: true },
    // Synchronous writes: pino-roll rolls on the stream's 'drain', which buffered bursts delay far
    // past the cap. Unbuffered, too: the audit trail keeps every line up to a crash.
    sync: true,
    maxLength: MAX_PENDING_BYTES,
  });
  if (config.logFiles === 1) rolling.on('cleanup-complete', () => void removeAllButNewestLogFile(folder));
  const file = new GuardedDestination(rolling, reportRecovery(`the log files in ${folder}`));
  const streams = pino.multistream([
    { level: config.logLevel, stream: out },
    { level: config.logLevel, stream: file },
  ]);
  log = createLogger(config.logLevel, streams);
  return {
    log,
    close: () => {
      out.flushSync();
      file.end();
    },
  };
}

/**
 * Removes every log file in `folder` but the newest: pino-roll numbers them bridge.1.log,
 * bridge.2.log, … and writes to the highest number, so that one is never removed (a roll that is
 * under way may not have created it yet; then the one written until now stays).
 */
async function removeAllButNewestLogFile(folder: string): Promise<void> {
  const numbered = (await readdir(folder).catch(() => [] as string[]))
    .map((name) => ({ name, n: Number(/^bridge\.(\d+)\.log$/.exec(name)?.[1]) }))
    .filter((file) => Number.isInteger(file.n));
  const newest = Math.max(...numbered.map((file) => file.n));
  await Promise.all(numbered.filter((file) => file.n < newest).map((file) => unlink(join(folder, file.name)).catch(() => undefined)));
}
