import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Never logged, wherever they appear in a log object: the request log writes paths without
 * their query, and these paths catch what a careless log call might pass.
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
  '*.password',
  '*.client_secret',
  '*.code',
  '*.code_verifier',
  '*.access_token',
  '*.refresh_token',
  '*.token',
  '*.authorization',
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
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
