import { hashPassword } from '../auth/password.js';
import { findUser, normalizeUsername } from '../auth/username.js';
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

/** Whether `user add` accepts `name` once normalized (src/auth/username.ts): 1-64 letters, digits or . _ @ + -. */
export function isAcceptableUsername(name: string): boolean {
  return USERNAME.test(normalizeUsername(name));
}

export function listUsers(context: BridgeContext): UserView[] {
  const linked = new Map<string, number>();
  for (const grant of context.store.grants.values()) {
    const name = normalizeUsername(grant.username);
    if (!grant.revokedAt) linked.set(name, (linked.get(name) ?? 0) + 1);
  }
  return [...context.store.users.values()].map((user) => ({
    username: user.username,
    created_at: new Date(user.createdAt).toISOString(),
    updated_at: new Date(user.updatedAt).toISOString(),
    linked_accounts: linked.get(normalizeUsername(user.username)) ?? 0,
  }));
}

/**
 * Adds a local user under the normalized name (src/auth/username.ts), as the person may type it
 * any way on the sign-in page. Refuses a name that normalizes to an existing user's.
 */
export async function addUser(context: BridgeContext, typed: string, password: string): Promise<{ added: string }> {
  const username = normalizeUsername(typed);
  if (!isAcceptableUsername(username)) throw new CommandFailure('a username is 1-64 letters, digits or . _ @ + -');
  const existing = findUser(context.store.users.values(), username);
  if (existing) {
    const same = existing.username === typed ? '' : ` (user names are compared ignoring case, surrounding spaces and full-width forms: “${typed}” is “${existing.username}”)`;
    throw new CommandFailure(`user ${existing.username} already exists${same}`);
  }
  const passwordHash = await hashPassword(checkPassword(password));
  const now = context.clock();
  context.store.users.put({ username, passwordHash, createdAt: now, updatedAt: now });
  await context.store.commit(context.store.users);
  return { added: username };
}

export async function changePassword(context: BridgeContext, typed: string, password: string): Promise<{ changed: string }> {
  const user = findUser(context.store.users.values(), typed);
  if (!user) throw new CommandFailure(`no user ${typed}`);
  const passwordHash = await hashPassword(checkPassword(password));
  context.store.users.put({ ...user, passwordHash, updatedAt: context.clock() });
  await context.store.commit(context.store.users);
  return { changed: user.username };
}

/** Removing a user also ends their linked accounts: their tokens stop working at once. */
export async function removeUser(context: BridgeContext, typed: string): Promise<{ removed: string; grants_revoked: number }> {
  const user = findUser(context.store.users.values(), typed);
  if (!user) throw new CommandFailure(`no user ${typed}`);
  const name = normalizeUsername(user.username);
  const revoked = revokeGrantsWhere(context, (grant) => normalizeUsername(grant.username) === name, `user ${user.username} was removed`);
  context.store.users.delete(user.username);
  await context.store.commit(context.store.users, context.store.grants);
  return { removed: user.username, grants_revoked: revoked };
}

function checkPassword(password: string): string {
  if (password.length < 8) throw new CommandFailure('the password must be at least 8 characters');
  if (password.length > 1024) throw new CommandFailure('the password must be at most 1024 characters');
  return password;
}
