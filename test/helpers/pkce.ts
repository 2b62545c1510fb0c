import { createHash, randomBytes } from 'node:crypto';

/** An RFC 7636 §4.1 code_verifier (43 characters) and its S256 challenge (§4.2). */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: s256(verifier) };
}

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** The authorize parameters that send a challenge. */
export function challengeParams(challenge: string): Record<string, string> {
  return { code_challenge: challenge, code_challenge_method: 'S256' };
}
