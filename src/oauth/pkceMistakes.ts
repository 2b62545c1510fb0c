import { isValidChallenge, s256 } from './pkce.js';

// Ways clients get RFC 7636 §4.2 wrong. Diagnostics only: the checks themselves stay exact.
// A challenge in standard base64, with padding or in hex never gets past the authorization
// endpoint (explainMalformedChallenge); what can still go wrong at the token endpoint is below.

/** What the client did when making its code_challenge, if `challenge` is a known mistake for `verifier`. */
const CHALLENGE_MISTAKES: readonly [string, (verifier: string) => string][] = [
  ['sent the verifier itself as the challenge (method plain, while claiming S256)', (verifier) => verifier],
  ['hashed the verifier with a line break at its end', (verifier) => s256(`${verifier}\n`)],
];

/** Why a code_verifier does not match its challenge, when it is one of the usual mistakes. */
export function explainVerifierMismatch(verifier: string, challenge: string): string | undefined {
  for (const [mistake, make] of CHALLENGE_MISTAKES) {
    if (make(verifier) === challenge) return `the client ${mistake}`;
  }
  // The challenge was made from a differently encoded verifier than the one now sent.
  const variants: readonly [string, string][] = [
    [verifier.replace(/-/g, '+').replace(/_/g, '/'), 'standard base64'],
    [verifier.replace(/\+/g, '-').replace(/\//g, '_'), 'base64url'],
    [`${verifier}=`, 'padded'],
    [verifier.replace(/=+$/, ''), 'unpadded'],
    [verifier.trim(), 'trimmed'],
  ];
  for (const [variant, encoding] of variants) {
    if (variant !== verifier && s256(variant) === challenge) {
      return `the challenge was computed from the ${encoding} form of the verifier, and the other form was sent`;
    }
  }
  return undefined;
}

/** Why a code_challenge is refused at the authorization endpoint, in the usual cases: every mistake it shows, at once. */
export function explainMalformedChallenge(challenge: string): string {
  const standardAlphabet = /[+/]/.test(challenge);
  const padded = /=+$/.test(challenge);
  if (standardAlphabet && padded) {
    return 'it is standard base64 (it has + or /) and keeps the = padding; S256 challenges are 43 characters of base64url (- and _) without padding';
  }
  if (padded && challenge.replace(/=+$/, '').length === 43) return 'it keeps the = padding; S256 challenges are 43 characters of base64url without padding';
  if (standardAlphabet) return 'it has + or /, so it is standard base64; S256 challenges use base64url (- and _)';
  if (/^[0-9a-f]{64}$/i.test(challenge)) return 'it is hex; S256 challenges are the SHA-256 in base64url (43 characters)';
  if (!isValidChallenge(challenge)) return `it is ${challenge.length} characters long; S256 challenges are exactly 43 characters of base64url`;
  return 'it is not a base64url SHA-256';
}

/** Why a code_verifier is malformed, in the usual cases. */
export function explainMalformedVerifier(verifier: string): string {
  if (verifier.length < 43) return `it is ${verifier.length} characters long; RFC 7636 wants 43 to 128`;
  if (verifier.length > 128) return `it is ${verifier.length} characters long; RFC 7636 wants 43 to 128`;
  if (/[+/=]/.test(verifier)) return 'it has + / or =, so it looks like standard base64; a verifier uses only A-Z a-z 0-9 - . _ ~ (base64url without padding)';
  return 'it has characters other than A-Z a-z 0-9 - . _ ~';
}
