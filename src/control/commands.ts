import type { BridgeContext } from '../context.js';
import { listAttempts, showAttempt } from '../diagnostics/attemptViews.js';
import type { DoctorOptions } from '../doctor/doctor.js';
import {
  addClient,
  endSecretOverlap,
  listClients,
  removeClient,
  rotateClientSecret,
  showClient,
  updateClient,
  type ClientChanges,
  type NewClient,
} from '../services/clients.js';
import { writeBackup } from '../services/backup.js';
import { listGrants, revokeGrant } from '../services/grants.js';
import { addUser, changePassword, listUsers, removeUser } from '../services/users.js';

/**
 * Every change the CLI can make, by name. The CLI runs them in the daemon over the control
 * socket when one is running (so they take effect at once and nothing is lost), or itself
 * under the data dir lock when none is.
 */
export const adminCommands = {
  'client add': (context: BridgeContext, args: NewClient) => addClient(context, args),
  'client list': (context: BridgeContext) => listClients(context),
  'client show': (context: BridgeContext, args: { id: string }) => showClient(context, args.id),
  'client remove': (context: BridgeContext, args: { id: string }) => removeClient(context, args.id),
  'client update': (context: BridgeContext, args: ClientChanges) => updateClient(context, args),
  'client rotate-secret': (context: BridgeContext, args: { id: string; keepOldMs?: number | undefined }) =>
    rotateClientSecret(context, args.id, args.keepOldMs),
  'client end-overlap': (context: BridgeContext, args: { id: string }) => endSecretOverlap(context, args.id),
  'user add': (context: BridgeContext, args: { username: string; password: string }) =>
    addUser(context, args.username, args.password),
  'user passwd': (context: BridgeContext, args: { username: string; password: string }) =>
    changePassword(context, args.username, args.password),
  'user list': (context: BridgeContext) => listUsers(context),
  'user remove': (context: BridgeContext, args: { username: string }) => removeUser(context, args.username),
  'grant list': (context: BridgeContext) => listGrants(context),
  'grant revoke': (context: BridgeContext, args: { id: string }) =>
    revokeGrant(context, args.id, 'revoked by the administrator'),
  'flows list': (context: BridgeContext, args: { last?: number | undefined }) => listAttempts(context, args),
  'flows show': (context: BridgeContext, args: { id: string }) => showAttempt(context, args),
  // Loaded on first use: its probes bring in https and tls, which serving never needs.
  doctor: async (context: BridgeContext, args: DoctorOptions) => (await import('../doctor/doctor.js')).runDoctor(context, args),
  backup: (context: BridgeContext, args: { directory: string }) => writeBackup(context, args.directory),
} as const;

export type AdminCommandName = keyof typeof adminCommands;
export type AdminCommandArgs<N extends AdminCommandName> = Parameters<(typeof adminCommands)[N]>[1];
export type AdminCommandResult<N extends AdminCommandName> = Awaited<ReturnType<(typeof adminCommands)[N]>>;

export function isAdminCommand(name: string): name is AdminCommandName {
  return Object.hasOwn(adminCommands, name);
}

export async function runAdminCommand<N extends AdminCommandName>(
  context: BridgeContext,
  name: N,
  args: AdminCommandArgs<N>,
): Promise<AdminCommandResult<N>> {
  const command = adminCommands[name] as (context: BridgeContext, args: AdminCommandArgs<N>) => AdminCommandResult<N>;
  return command(context, args);
}
