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
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.append(name, value);
  url.searchParams.append('iss', issuer);
  return url.href;
}
