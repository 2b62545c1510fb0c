import { hashPassword } from '../auth/password.js';
import type { BridgeContext } from '../context.js';
import { CommandFailure } from './failure.js';
import { revokeGrantsWhere } from './grants.js';

export interface UserView {
  username: string;
  created_at: string;
  updated_at: string;
  linked_accounts: number;
}

const USERNAME = /^[\p{L}\p{N}._@+-]{1,64}$/u;

export function listUsers(context: BridgeContext): UserView[] {
  const linked = new Map<string, number>();
  for (const grant of context.store.grants.values()) {
    if (!grant.revokedAt) linked.set(grant.username, (linked.get(grant.username) ?? 0) + 1);
  }
  return [...context.store.users.values()].map((user) => ({
    username: user.username,
    created_at: new Date(user.createdAt).toISOString(),
    updated_at: new Date(user.updatedAt).toISOString(),
    linked_accounts: linked.get(user.username) ?? 0,
  }));
}

export async function addUser(context: BridgeContext, username: string, password: string): Promise<{ added: string }> {
  if (!USERNAME.test(username)) throw new CommandFailure('a username is 1-64 letters, digits or . _ @ + -');
  if (context.store.users.get(username)) throw new CommandFailure(`user ${username} already exists`);
  const passwordHash = await hashPassword(checkPassword(password));
  const now = context.clock();
  context.store.users.put({ username, passwordHash, createdAt: now, updatedAt: now });
  await context.store.commit(context.store.usersFile);
  return { added: username };
}

export async function changePassword(context: BridgeContext, username: string, password: string): Promise<{ changed: string }> {
  const user = context.store.users.get(username);
  if (!user) throw new CommandFailure(`no user ${username}`);
  const passwordHash = await hashPassword(checkPassword(password));
  context.store.users.put({ ...user, passwordHash, updatedAt: context.clock() });
  await context.store.commit(context.store.usersFile);
  return { changed: username };
}

/** Removing a user also ends their linked accounts: their tokens stop working at once. */
export async function removeUser(context: BridgeContext, username: string): Promise<{ removed: string; grants_revoked: number }> {
  if (!context.store.users.get(username)) throw new CommandFailure(`no user ${username}`);
  const revoked = revokeGrantsWhere(context, (grant) => grant.username === username, `user ${username} was removed`);
  context.store.users.delete(username);
  await Promise.all([context.store.commit(context.store.usersFile), context.store.commit(context.store.grantsFile)]);
  return { removed: username, grants_revoked: revoked };
}

function checkPassword(password: string): string {
  if (password.length < 8) throw new CommandFailure('the password must be at least 8 characters');
  if (password.length > 1024) throw new CommandFailure('the password must be at most 1024 characters');
  return password;
}
