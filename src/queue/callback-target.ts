import type { LookupAddress } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { GatewayError } from '../errors/catalogue.js';

/**
 * Which callback targets the gateway may POST to. Callback URLs come from clients, so without this
 * check they could aim the gateway at its own network (SSRF): Redis, cloud metadata, admin panels.
 */

/** Ranges no callback may reach unless allow-listed; each with the reason shown to the client. */
const deniedRanges: ReadonlyArray<{ network: string; prefix: number; reason: string }> = [
  { network: '0.0.0.0', prefix: 8, reason: 'unspecified' },
  { network: '10.0.0.0', prefix: 8, reason: 'private' },
  { network: '100.64.0.0', prefix: 10, reason: 'carrier-grade NAT' },
  { network: '127.0.0.0', prefix: 8, reason: 'loopback' },
  { network: '169.254.0.0', prefix: 16, reason: 'link-local' },
  { network: '172.16.0.0', prefix: 12, reason: 'private' },
  { network: '192.0.0.0', prefix: 24, reason: 'reserved' },
  { network: '192.168.0.0', prefix: 16, reason: 'private' },
  { network: '198.18.0.0', prefix: 15, reason: 'reserved' },
  { network: '224.0.0.0', prefix: 4, reason: 'multicast' },
  { network: '240.0.0.0', prefix: 4, reason: 'reserved' },
  { network: '::', prefix: 128, reason: 'unspecified' },
  { network: '::1', prefix: 128, reason: 'loopback' },
  // NAT64 embeds an IPv4 address, which could be any of the above.
  { network: '64:ff9b::', prefix: 96, reason: 'NAT64' },
  { network: 'fc00::', prefix: 7, reason: 'private' },
  { network: 'fe80::', prefix: 10, reason: 'link-local' },
  { network: 'ff00::', prefix: 8, reason: 'multicast' },
];

// One BlockList per range, so a refusal can say which kind of range it was; BlockList also
// matches IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) against the IPv4 ranges.
const denied = deniedRanges.map(({ network, prefix, reason }) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, isIP(network) === 6 ? 'ipv6' : 'ipv4');
  return { list, reason };
});

export interface CallbackTargetPolicy {
  /**
   * The addresses `host` resolves to, all of them permitted. Throws GatewayError('invalidUrl') when
   * any is refused; DNS failures are thrown as they come (callers decide whether to retry them).
   */
  resolve(host: string): Promise<LookupAddress[]>;
  /** A net `lookup` that resolves through the policy, so a connection only reaches checked addresses. */
  lookup: LookupFunction;
}

/** `allow` holds host names, addresses or CIDRs that may be reached although in a denied range. */
export function createCallbackTargetPolicy(allow: readonly string[]): CallbackTargetPolicy {
  const allowedHosts = new Set<string>();
  const allowedAddresses = new BlockList();
  for (const entry of allow) {
    const [address = '', prefix] = entry.split('/');
    const family = isIP(address);
    if (family === 0) allowedHosts.add(normalizeHost(entry));
    else if (prefix === undefined) allowedAddresses.addAddress(address, family === 6 ? 'ipv6' : 'ipv4');
    else allowedAddresses.addSubnet(address, Number(prefix), family === 6 ? 'ipv6' : 'ipv4');
  }

  function refusal(address: string): string | undefined {
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (allowedAddresses.check(address, type)) return undefined;
    return denied.find(({ list }) => list.check(address, type))?.reason;
  }

  async function resolve(rawHost: string): Promise<LookupAddress[]> {
    const host = normalizeHost(rawHost);
    // A literal address resolves to itself without any DNS traffic.
    const addresses = await dnsLookup(host, { all: true, verbatim: true });
    if (allowedHosts.has(host)) return addresses;
    for (const { address } of addresses) {
      const reason = refusal(address);
      if (reason !== undefined) {
        const via = host === address ? '' : ` (${host} resolves to ${address})`;
        throw new GatewayError('invalidUrl', {
          message: `Callback URL points to a ${reason} address${via}; such targets are refused unless allow-listed`,
        });
      }
    }
    return addresses;
  }

  const lookup: LookupFunction = (hostname, options, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
        const usable = family ? addresses.filter((entry) => entry.family === family) : addresses;
        const first = usable[0];
        if (options.all) callback(null, usable);
        else if (first) callback(null, first.address, first.family);
        else callback(Object.assign(new Error(`No IPv${family} address for ${hostname}`), { code: 'ENOTFOUND' }), '');
      },
      (error: NodeJS.ErrnoException) => callback(error, ''),
    );
  };

  return { resolve, lookup };
}

/** URL host names carry IPv6 literals in brackets and may end in a root dot. */
function normalizeHost(host: string): string {
  return host.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();
}
