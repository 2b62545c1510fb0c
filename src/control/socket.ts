import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import type { BridgeContext } from '../context.js';
import { CommandFailure } from '../services/failure.js';
import { isAdminCommand, runAdminCommand, type AdminCommandName } from './commands.js';

// The control channel: a Unix socket in the data dir, created under umask 077 so only the data
// dir's owner can connect. One JSON line in, one JSON line out.

interface ControlRequest {
  command: string;
  args: unknown;
}

type ControlResponse = { ok: true; result: unknown } | { ok: false; error: string };

/**
 * Commands only a running daemon can answer: they act on its listeners, not on the data. Each is
 * set once the part it needs has started; an unset one answers why it cannot run.
 */
export interface DaemonCommands {
  'admin link'?: () => unknown;
}
export type DaemonCommandName = keyof DaemonCommands;
const DAEMON_COMMAND_UNAVAILABLE: Record<DaemonCommandName, string> = {
  'admin link': 'the admin page is not serving (admin_port is off, or its port was taken: see the daemon log)',
};

function isDaemonCommand(name: string): name is DaemonCommandName {
  return Object.hasOwn(DAEMON_COMMAND_UNAVAILABLE, name);
}

export function controlSocketPath(dataDir: string): string {
  return join(dataDir, 'control.sock');
}

export async function serveControlSocket(context: BridgeContext, daemonCommands: DaemonCommands = {}): Promise<Server> {
  const server = createServer((socket) => {
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const newline = buffer.indexOf('\n');
      if (newline < 0) {
        if (buffer.length > 1 << 20) socket.destroy();
        return;
      }
      void answer(context, daemonCommands, buffer.slice(0, newline)).then((response) => socket.end(`${JSON.stringify(response)}\n`));
    });
  });
  const previousMask = process.umask(0o077);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(controlSocketPath(context.config.dataDir), () => resolve());
    });
  } finally {
    process.umask(previousMask);
  }
  return server;
}

async function answer(context: BridgeContext, daemonCommands: DaemonCommands, line: string): Promise<ControlResponse> {
  let request: ControlRequest;
  try {
    request = JSON.parse(line) as ControlRequest;
  } catch {
    return { ok: false, error: 'the control request is not JSON' };
  }
  if (isDaemonCommand(request.command)) {
    const run = daemonCommands[request.command];
    if (!run) return { ok: false, error: DAEMON_COMMAND_UNAVAILABLE[request.command] };
    context.log.info({ command: request.command }, 'daemon command run through the control socket');
    return { ok: true, result: await run() };
  }
  if (!isAdminCommand(request.command)) return { ok: false, error: `unknown command ${request.command}` };
  try {
    const result = await runAdminCommand(context, request.command, request.args as never);
    context.log.info({ command: request.command }, 'admin command run through the control socket');
    return { ok: true, result };
  } catch (error) {
    if (error instanceof CommandFailure) return { ok: false, error: error.message };
    context.log.error({ err: error, command: request.command }, 'admin command failed');
    return { ok: false, error: (error as Error).message };
  }
}

/** Sends a command to a running daemon; `undefined` when no daemon listens on this data dir. */
export function sendToDaemon(dataDir: string, command: AdminCommandName | DaemonCommandName, args: unknown): Promise<ControlResponse | undefined> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(controlSocketPath(dataDir));
    let reply = '';
    let connected = false;
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      connected = true;
      socket.write(`${JSON.stringify({ command, args } satisfies ControlRequest)}\n`);
    });
    socket.on('data', (chunk: string) => (reply += chunk));
    socket.on('end', () => {
      try {
        resolve(JSON.parse(reply) as ControlResponse);
      } catch {
        reject(new Error('the daemon closed the control socket without an answer'));
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (!connected && (error.code === 'ENOENT' || error.code === 'ECONNREFUSED')) resolve(undefined);
      else reject(error);
    });
  });
}
