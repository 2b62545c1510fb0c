import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pino, type DestinationStream, type Logger } from 'pino';
import pinoRoll from 'pino-roll';
import type { Config } from '../config/schema.js';
import { visible, visibleDeep } from '../text/visible.js';

/**
 * Never logged: the request log writes paths without their query, and these paths catch what a
 * careless log call might pass, at the top or one level down (`{ form: {...} }`, `{ req: { headers } }`).
 * No `*.code`: an error's `code` (ENOSPC…) is what an admin needs to read.
 */
export const REDACTED_PATHS = [
  'password',
  'client_secret',
  'code',
  'code_verifier',
  'access_token',
  'refresh_token',
  'token',
  'authorization',
  'cookie',
  '*.password',
  '*.client_secret',
  '*.code_verifier',
  '*.access_token',
  '*.refresh_token',
  '*.token',
  '*.authorization',
  '*.cookie',
  '*.headers.authorization',
  '*.headers.cookie',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { name: 'alexa-oauth-bridge' },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Log lines carry what requests sent (user names, client ids, URIs): invisible and
      // bidirectional control characters are written as visible escapes.
      formatters: { log: (object) => visibleDeep(object) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((arg) => (typeof arg === 'string' ? visible(arg) : arg)) as Parameters<typeof method>);
        },
      },
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/**
 * The daemon's log: stdout (the add-on's log tab) and, as the linking audit trail, size-capped
 * JSON-lines files in <data dir>/logs, the oldest removed (also those of earlier runs) so at
 * most `logFiles` files of `logFileMb` exist.
 */
export async function createDaemonLogger(
  config: Config,
  stdout: DestinationStream & { flushSync?(): void } = pino.destination({ dest: 1, sync: false }),
): Promise<{ log: Logger; close(): void }> {
  if (config.logFiles === 0) return { log: createLogger(config.logLevel, stdout), close: () => stdout.flushSync?.() };
  const folder = join(config.dataDir, 'logs');
  process.umask(0o077); // pino-roll has no mode option; the logs name users and addresses
  // pino-roll's own mkdir races with its first open; the folder must exist before it starts.
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const file = await pinoRoll({
    file: join(folder, 'bridge'),
    size: `${Math.round(config.logFileMb * 1024)}k`,
    limit: { count: config.logFiles - 1, removeOtherLogFiles: true },
    // Synchronous writes: pino-roll rolls on the stream's 'drain', which buffered bursts delay far
    // past the cap. Unbuffered, too: the audit trail keeps every line up to a crash.
    sync: true,
  });
  const streams = pino.multistream([
    { level: config.logLevel, stream: stdout },
    { level: config.logLevel, stream: file },
  ]);
  return {
    log: createLogger(config.logLevel, streams),
    close: () => {
      stdout.flushSync?.();
      file.end();
    },
  };
}
