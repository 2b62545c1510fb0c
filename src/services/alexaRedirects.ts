// Alexa's redirect URIs: one per region, https://<region host>/api/skill/link/<vendor id>.

/** Amazon's three regional hosts; which one Alexa uses follows the Alexa app's language/region. */
export const ALEXA_REDIRECT_HOSTS = ['pitangui.amazon.com', 'layla.amazon.com', 'alexa.amazon.co.jp'] as const;

export type AlexaHost = (typeof ALEXA_REDIRECT_HOSTS)[number];

/** The region each host serves, as people know it. */
export const ALEXA_REGION_NAMES: Readonly<Record<AlexaHost, string>> = {
  'pitangui.amazon.com': 'North America',
  'layla.amazon.com': 'Europe and India',
  'alexa.amazon.co.jp': 'Far East (Japan, Australia)',
};

/** Letters and digits, as the Alexa console shows it at the end of each Alexa Redirect URL. */
export const ALEXA_VENDOR_ID = /^[A-Za-z0-9]{6,40}$/;

const SKILL_LINK_PATH = /^\/api\/skill\/link\/([A-Za-z0-9]+)\/?$/;

export function alexaRedirectUris(vendorId: string): string[] {
  return ALEXA_REDIRECT_HOSTS.map((host) => `https://${host}/api/skill/link/${vendorId}`);
}

function hostOf(uri: string): string | undefined {
  try {
    return new URL(uri).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

/** Whether `uri` points at one of Amazon's regional account-linking hosts. */
export function isAlexaHost(uri: string): boolean {
  return (ALEXA_REDIRECT_HOSTS as readonly string[]).includes(hostOf(uri) ?? '');
}

/**
 * What about a client's redirect URIs will hurt, said when it is registered or updated (it is
 * allowed: a test app may need it). Redirect URIs are compared exactly (RFC 9700 §4.1.3), so a
 * trailing slash Alexa does not send fails every sign-in; and Alexa picks the region from each
 * person's Alexa app, so one region alone locks out everybody in the other two.
 */
export function redirectUriWarnings(uris: readonly string[]): string[] {
  const warnings: string[] = [];
  for (const uri of uris) {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      continue;
    }
    if (url.pathname.length > 1 && url.pathname.endsWith('/')) {
      warnings.push(
        `redirect URI ${uri} ends with a slash: redirect URIs must match exactly, and ` +
          (isAlexaHost(uri)
            ? `Alexa's never end with one, so Alexa's sign-ins (to ${uri.replace(/\/+(?=$|\?)/, '')}) would be refused`
            : 'the app must then send it with the slash, or every sign-in is refused'),
      );
    }
  }
  const regionsByVendor = new Map<string, Set<AlexaHost>>();
  for (const uri of uris) {
    const host = hostOf(uri) as AlexaHost | undefined;
    if (!host || !(host in ALEXA_REGION_NAMES)) continue;
    const vendorId = SKILL_LINK_PATH.exec(new URL(uri).pathname)?.[1];
    if (!vendorId) continue;
    regionsByVendor.set(vendorId, (regionsByVendor.get(vendorId) ?? new Set()).add(host));
  }
  for (const [vendorId, hosts] of regionsByVendor) {
    const missing = ALEXA_REDIRECT_HOSTS.filter((host) => !hosts.has(host));
    if (missing.length === 0) continue;
    warnings.push(
      `only ${[...hosts].map((host) => ALEXA_REGION_NAMES[host]).join(' and ')} registered for vendor id ${vendorId}: ` +
        `Alexa sends people back to the region of their Alexa app's language and country, so people in ` +
        `${missing.map((host) => ALEXA_REGION_NAMES[host]).join(' or ')} cannot link; --alexa-vendor-id ${vendorId} registers all three`,
    );
  }
  return warnings;
}
