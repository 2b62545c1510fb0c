import { ALEXA_REGION_NAMES as ALEXA_REGIONS } from '../services/alexaRedirects.js';

const SKILL_LINK_PATH = /^\/api\/skill\/link\/([A-Za-z0-9]+)$/;

/** The parts of a URI as written (URL() would lower-case the host and hide a default port). */
interface UriParts {
  scheme: string;
  host: string;
  port: string;
  path: string;
  query: string;
  fragment: string;
}

function partsOf(uri: string): UriParts | undefined {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#:]*)(?::(\d*))?([^?#]*)(\?[^#]*)?(#.*)?$/.exec(uri);
  if (!match) return undefined;
  return { scheme: match[1]!, host: match[2]!, port: match[3] ?? '', path: match[4] ?? '', query: match[5] ?? '', fragment: match[6] ?? '' };
}

/** The Alexa region a redirect URI belongs to, or undefined when it is not an Alexa skill-link URI. */
export function alexaRegionOf(uri: string): { host: string; region: string; vendorId: string } | undefined {
  const parts = partsOf(uri);
  if (!parts) return undefined;
  const host = parts.host.toLowerCase() as keyof typeof ALEXA_REGIONS;
  const vendorId = SKILL_LINK_PATH.exec(parts.path.replace(/\/$/, ''))?.[1];
  if (!(host in ALEXA_REGIONS) || !vendorId) return undefined;
  return { host, region: ALEXA_REGIONS[host], vendorId };
}

/**
 * Each way `presented` differs from `expected`, in words that call the expected one `other`
 * ("the registered one"); empty when they are the same string.
 */
export function redirectUriDifferences(presented: string, expected: string, other = 'the registered one'): string[] {
  if (presented === expected) return [];
  const got = partsOf(presented);
  const want = partsOf(expected);
  if (!got) return [`${presented} is not an absolute URI`];
  if (!want) return [`${other}, ${expected}, is not an absolute URI`];
  const differences: string[] = [];
  if (got.scheme !== want.scheme) differences.push(`the scheme is ${got.scheme}:// instead of ${want.scheme}://`);
  if (got.host !== want.host) {
    const gotRegion = alexaRegionOf(presented);
    const wantRegion = alexaRegionOf(expected);
    if (got.host.toLowerCase() === want.host.toLowerCase()) {
      differences.push(`the host's letter case differs (${got.host} instead of ${want.host}); redirect URIs are compared exactly`);
    } else if (gotRegion && wantRegion) {
      differences.push(
        `it is another Alexa region's host: ${gotRegion.host} (${gotRegion.region}) instead of ${wantRegion.host} (${wantRegion.region}); ` +
          `the Alexa app picks the region from its language and country setting`,
      );
    } else {
      differences.push(`the host is ${got.host} instead of ${want.host}`);
    }
  }
  if (got.port !== want.port) {
    differences.push(got.port ? `it names port ${got.port}, ${other} ${want.port ? `port ${want.port}` : 'no port'}` : `it has no port, ${other} has port ${want.port}`);
  }
  if (got.path !== want.path) differences.push(pathDifference(got.path, want.path, other));
  if (got.query !== want.query) {
    differences.push(got.query ? `it has the query ${got.query}${want.query ? ` instead of ${want.query}` : `, ${other} none`}` : `it lacks the query ${want.query}`);
  }
  if (got.fragment !== want.fragment) differences.push('the fragment (#…) differs');
  return differences;
}

function pathDifference(got: string, want: string, other: string): string {
  if (got === `${want}/`) return `it has a trailing slash ${other} has not`;
  if (`${got}/` === want) return `it lacks the trailing slash ${other} has`;
  if (got.toLowerCase() === want.toLowerCase()) return `the path's letter case differs (${got} instead of ${want})`;
  const gotVendor = SKILL_LINK_PATH.exec(got)?.[1];
  const wantVendor = SKILL_LINK_PATH.exec(want)?.[1];
  if (gotVendor && wantVendor) return `the vendor id is ${gotVendor} instead of ${wantVendor}`;
  return `the path is ${got || '/'} instead of ${want || '/'}`;
}

/**
 * The registered URI `presented` is closest to, with how it differs; undefined when none is
 * registered. Another host weighs more than any one other difference: a slip is likelier than a move.
 */
export function closestRedirectUri(presented: string, registered: readonly string[]): { uri: string; differences: string[] } | undefined {
  const hostOf = (uri: string) => partsOf(uri)?.host.toLowerCase();
  let best: { uri: string; differences: string[]; distance: number } | undefined;
  for (const uri of registered) {
    const differences = redirectUriDifferences(presented, uri);
    const distance = differences.length + (hostOf(uri) === hostOf(presented) ? 0 : 1);
    if (!best || distance < best.distance) best = { uri, differences, distance };
  }
  return best && { uri: best.uri, differences: best.differences };
}
