import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 256 bits from the CSPRNG, base64url: codes, tokens, client secrets (RFC 6749 §10.10). */
export function newOpaqueToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Short random ids for grants and flows: not secrets, only unique. Hex, because people type them
 * into the CLI, where a base64url id starting with '-' reads as an option.
 */
export function newId(): string {
  return randomBytes(10).toString('hex');
}

/**
 * Codes, tokens and generated client secrets have 256 bits of entropy, so a fast hash is enough
 * to store them: what is on disk cannot be replayed.
 */
export function hashSecret(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('base64url');
}

/** Equal strings, compared in time that does not depend on where they differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Compares a presented secret with a stored hash in constant time. */
export function secretMatches(presented: string, storedHash: string): boolean {
  return constantTimeEqual(hashSecret(presented), storedHash);
}
