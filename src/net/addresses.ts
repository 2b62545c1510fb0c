import { BlockList, isIP } from 'node:net';

/**
 * An IP address as the bridge compares and keys it: an IPv4-mapped IPv6 address
 * (`::ffff:192.0.2.1`, what a dual-stack socket reports for IPv4 peers, or `::ffff:c000:201`;
 * RFC 4291 §2.5.5.2) is folded to plain IPv4, brackets and an IPv6 zone (`%eth0`) are dropped.
 * `undefined` when the text is no address.
 */
export function normalizeAddress(text: string): string | undefined {
  let address = text.trim();
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
  address = address.replace(/%.*$/, '');
  if (isIP(address) === 6) {
    const groups = ipv6Groups(address);
    if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
      address = [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
    }
  }
  return isIP(address) ? address.toLowerCase() : undefined;
}

/** The eight 16-bit groups of an IPv6 address (embedded IPv4 tail included). */
function ipv6Groups(address: string): number[] {
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -v4[1]!.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/**
 * The key abuse limits count a client under: an IPv4 address as it is; an IPv6 address by its
 * /64, since one household or server gets a whole /64 and can pick any address in it
 * (RFC 6177, RFC 7421). `address` must be normalized.
 */
export function clientKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const prefix = ipv6Groups(address)
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':');
  return `${prefix}::/64`;
}

/** One entry of a trusted-proxy list: an address or a CIDR range (`172.30.32.0/23`, `fd00::/8`). */
export interface AddressRange {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/**
 * Parses `192.0.2.7`, `172.30.32.0/23` or `fd00::/8`; the reason in words when it is none of those.
 * An IPv4-mapped range (`::ffff:10.0.0.0/104`) is the IPv4 range it maps (`10.0.0.0/8`), since
 * peers are compared as IPv4 (see normalizeAddress).
 */
export function parseAddressRange(text: string): AddressRange | string {
  const [rawAddress = '', rawPrefix, ...rest] = text.trim().split('/');
  const address = normalizeAddress(rawAddress);
  if (rest.length > 0 || !address) return `"${text}" is not an IP address or CIDR range`;
  const family = isIP(address) === 4 ? 'ipv4' : 'ipv6';
  const bits = family === 'ipv4' ? 32 : 128;
  if (rawPrefix === undefined) return { address, prefix: bits, family };
  let prefix = /^\d{1,3}$/.test(rawPrefix) ? Number(rawPrefix) : Number.NaN;
  if (family === 'ipv4' && rawAddress.includes(':')) {
    if (!(prefix >= 96 && prefix <= 128)) {
      return `"${text}" is an IPv4-mapped IPv6 range with a prefix length outside 96-128; peers are compared as IPv4, so write the IPv4 range instead (::ffff:a.b.c.d/96+N is a.b.c.d/N) and any other IPv6 range in plain IPv6`;
    }
    prefix -= 96;
  }
  if (!(prefix >= 0 && prefix <= bits)) return `"${text}" has a prefix length outside 0-${bits}`;
  return { address, prefix, family };
}

/**
 * Which socket peers are reverse proxies whose `X-Forwarded-For` is believed, the way Home
 * Assistant's `http.trusted_proxies` works: a peer outside the list is the client, whatever it
 * sends; from a trusted peer, X-Forwarded-For is read from the right, skipping trusted hops, and
 * the first address that is not a trusted proxy is the client.
 */
export class TrustedProxies {
  private readonly list = new BlockList();
  readonly empty: boolean;

  /** `ranges` as `parseAddressRange` takes them (the config is validated, so an invalid one throws). */
  constructor(ranges: readonly string[]) {
    for (const text of ranges) {
      const range = parseAddressRange(text);
      if (typeof range === 'string') throw new Error(range);
      this.list.addSubnet(range.address, range.prefix, range.family);
    }
    this.empty = ranges.length === 0;
  }

  trusts(address: string): boolean {
    return !this.empty && this.list.check(address, isIP(address) === 4 ? 'ipv4' : 'ipv6');
  }

  /**
   * The client's address from the socket peer and the X-Forwarded-For values (every header line,
   * in order). Where a trusted hop forwarded something that is no address, the last address known
   * is kept: the hop that forwarded it, never a value the client could choose.
   */
  clientAddress(peer: string, forwardedFor: string | undefined): string {
    let client = normalizeAddress(peer) ?? peer;
    if (!forwardedFor || !this.trusts(client)) return client;
    const hops = forwardedFor.split(',').reverse();
    for (const hop of hops) {
      const address = normalizeAddress(hop);
      if (!address) break;
      client = address;
      if (!this.trusts(address)) break;
    }
    return client;
  }
}

/** The public listener's /health as this machine reaches it (a wildcard listen address at loopback). */
export function localHealthUrl(host: string, port: number): string {
  const local = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return `http://${local}:${port}/health`;
}
