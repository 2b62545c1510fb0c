/**
 * Request parameters as OAuth sees them: one string per name. A name sent more than once is
 * kept aside, because OAuth forbids repeating a parameter (RFC 6749 §3.1, §3.2).
 */
export interface OAuthParams {
  get(name: string): string | undefined;
  readonly repeated: readonly string[];
  readonly names: readonly string[];
}

export function paramsFromSearch(search: URLSearchParams): OAuthParams {
  const values = new Map<string, string>();
  const repeated = new Set<string>();
  for (const [name, value] of search) {
    if (values.has(name)) repeated.add(name);
    else values.set(name, value);
  }
  return {
    // RFC 6749 §3.1: parameters sent without a value are treated as omitted.
    get: (name) => (repeated.has(name) ? undefined : values.get(name) || undefined),
    repeated: [...repeated],
    names: [...values.keys()],
  };
}
