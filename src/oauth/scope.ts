/** Scope strings are space-delimited, order-insensitive sets (RFC 6749 §3.3). */
export function parseScope(value: string): string[] {
  return [...new Set(value.split(' ').filter((token) => token !== ''))];
}

export function formatScope(tokens: readonly string[]): string {
  return tokens.join(' ');
}

/** The tokens of `requested` that `allowed` does not hold. */
export function scopesOutside(requested: readonly string[], allowed: readonly string[]): string[] {
  return requested.filter((token) => !allowed.includes(token));
}
