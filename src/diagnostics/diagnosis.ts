import type { Diagnosis } from '../storage/records.js';

export function diagnosis(reason: string, cause: string, fix: string): Diagnosis {
  return { reason, cause, fix };
}

/** The registered client ids a presented one was probably meant to be: same letters in another case, or without spaces. */
export function nearMissIds(presented: string, registered: Iterable<string>): string[] {
  const plain = presented.trim().toLowerCase();
  return [...registered].filter((id) => id !== presented && id.toLowerCase() === plain);
}
