import { createHash } from 'node:crypto';
import { constantTimeEqual } from './secrets.js';

// RFC 7636 §4.1: 43-128 characters of [A-Z a-z 0-9 - . _ ~].
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
// §4.2: BASE64URL(SHA256(verifier)) without padding is always 43 characters.
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export function isValidChallenge(challenge: string): boolean {
  return S256_CHALLENGE.test(challenge);
}

export function isValidVerifier(verifier: string): boolean {
  return VERIFIER.test(verifier);
}

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** RFC 7636 §4.6, compared in constant time. */
export function verifierMatches(verifier: string, challenge: string): boolean {
  return constantTimeEqual(s256(verifier), challenge);
}
