/**
 * Adds response parameters to the client's redirect URI, keeping any query it already has
 * (RFC 6749 §3.1.2), and always `iss` (RFC 9207 §2).
 */
export function authorizationResponseUrl(
  redirectUri: string,
  issuer: string,
  params: Record<string, string | undefined>,
): string {
  const url = new URL(redirectUri);
  const added = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) added.append(name, value);
  added.append('iss', issuer);
  // The registered query is kept as written (§3.1.2: retain it), never re-encoded through
  // searchParams, which would turn `?flag` into `?flag=` and `~` into `%7E`.
  url.search = url.search ? `${url.search.slice(1)}&${added}` : added.toString();
  return url.href;
}
