import { secretMatches } from '../oauth/secrets.js';
import type { ClientRecord } from '../storage/records.js';

/** The presented secret as a client may have mangled it, and what the mangling says. */
const SECRET_MISTAKES: readonly [string, (secret: string) => string][] = [
  ['it has spaces or a line break around it (copied with the surrounding whitespace)', (secret) => secret.trim()],
  ['a + in it arrived as a space: the client put it in the form body without percent-encoding it', (secret) => secret.replace(/ /g, '+')],
  ['it arrived still percent-encoded: the client encoded it twice', (secret) => safeDecode(secret)],
  ['it arrived percent-decoded where the registered one holds the % sequence', (secret) => encodeURIComponent(secret)],
];

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

/**
 * Why a client secret did not match, as far as the bridge can tell without knowing the secret:
 * a usual mangling of the right one, or another client's secret. Admin eyes only.
 */
export function explainWrongSecret(presented: string, client: ClientRecord, clients: Iterable<ClientRecord>): string | undefined {
  if (client.public) return `client ${client.id} is registered as public (no secret), yet a secret was sent`;
  const hash = client.secretHash;
  if (hash) {
    for (const [mistake, repair] of SECRET_MISTAKES) {
      const repaired = repair(presented);
      if (repaired !== presented && secretMatches(repaired, hash)) return `the secret is right, but ${mistake}`;
    }
  }
  for (const other of clients) {
    if (other.id !== client.id && other.secretHash && secretMatches(presented, other.secretHash)) {
      return `it is the secret of another client, ${other.id}`;
    }
  }
  return undefined;
}
