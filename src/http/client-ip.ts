import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

type PeerRequest = Pick<IncomingMessage, 'headers' | 'socket'>;

const trustCache = new WeakMap<readonly string[], BlockList>();

/**
 * The address quotas count a request against: the socket peer, or — only when that peer is a
 * trusted proxy — the nearest untrusted address in X-Forwarded-For (read right to left, since
 * clients can put anything on the left). IPv4-mapped IPv6 becomes IPv4; IPv6 is grouped by /64,
 * the block one subscriber usually holds, so rotating addresses inside it does not multiply a quota.
 */
export function clientIp(req: PeerRequest, trustProxy: readonly string[]): string {
  const peer = normalize(req.socket.remoteAddress ?? '') ?? '0.0.0.0';
  let client = peer;
  // No proxy trusted (the default): the peer it is, without a BlockList lookup on every request.
  const trusted = trustProxy.length > 0 ? trustList(trustProxy) : undefined;
  if (trusted && isTrusted(trusted, peer)) {
    const header = req.headers['x-forwarded-for'];
    const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((hop) => normalize(hop.trim()));
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i];
      if (!hop) break; // garbage in the chain: trust nothing to its left
      client = hop;
      if (!isTrusted(trusted, hop)) break;
    }
  }
  return isIP(client) === 6 ? prefix64(client) : client;
}

/** Accepts addresses and CIDRs; built once per trustProxy list. */
function trustList(trustProxy: readonly string[]): BlockList {
  let list = trustCache.get(trustProxy);
  if (list) return list;
  list = new BlockList();
  for (const entry of trustProxy) {
    const [address = '', bits] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (!isIP(address)) throw new Error(`server.trustProxy: ${JSON.stringify(entry)} is not an address or CIDR`);
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  trustCache.set(trustProxy, list);
  return list;
}

function isTrusted(list: BlockList, address: string): boolean {
  return list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/** A valid address with IPv4-mapped IPv6 unwrapped, or undefined. */
function normalize(address: string): string | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const plain = mapped ? mapped[1]! : address;
  return isIP(plain) ? plain : undefined;
}

/** `2001:db8:1:2:aaaa::1` → `2001:db8:1:2::/64`. */
function prefix64(address: string): string {
  const [head = '', tail] = address.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  // An embedded IPv4 tail (::ffff:0:1.2.3.4 forms) only touches the last 32 bits, never the /64.
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${groups.slice(0, 4).map((group) => Number.parseInt(group, 16).toString(16)).join(':')}::/64`;
}
