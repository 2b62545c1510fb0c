// pino-roll ships no type declarations; this covers the options the bridge uses.
declare module 'pino-roll' {
  import type { DestinationStream } from 'pino';

  interface PinoRollOptions {
    file: string;
    size?: number | string;
    frequency?: number | string;
    extension?: string;
    mkdir?: boolean;
    symlink?: boolean;
    limit?: { count?: number; removeOtherLogFiles?: boolean };
    /** Passed on to sonic-boom. */
    sync?: boolean;
    /** Passed on to sonic-boom: bytes held while writes fail; beyond them lines are dropped ('drop'). */
    maxLength?: number;
  }

  /** A sonic-boom stream; it emits `cleanup-complete` once a roll has removed the files past the limit. */
  interface RollingStream extends DestinationStream, NodeJS.EventEmitter {
    end(): void;
    flushSync(): void;
  }

  export default function pinoRoll(options: PinoRollOptions): Promise<RollingStream>;
}
