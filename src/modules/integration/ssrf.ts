import dns from 'node:dns';
import net from 'node:net';

/**
 * SSRF guard for webhook targets. A partner-supplied URL must not make the exchange call into
 * its own network: private, loopback, link-local (incl. cloud metadata 169.254.169.254 and
 * Alibaba's 100.100.100.200), multicast and reserved addresses are refused, for IPv4 and IPv6,
 * including IPv4 hidden inside IPv6 (`::ffff:127.0.0.1`, NAT64, 6to4). Every address a name
 * resolves to is checked, and deliveries connect through `guardedLookup` so the address checked
 * is the address used (no DNS-rebinding window between check and connect).
 */
export class UnsafeTargetError extends Error {
  constructor(
    readonly reason: 'scheme' | 'credentials' | 'private-address' | 'unresolvable',
    readonly address?: string,
  ) {
    super(`unsafe webhook target (${reason}${address ? ` ${address}` : ''})`);
    this.name = 'UnsafeTargetError';
  }
}

const v4 = new net.BlockList();
for (const [a, p] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  v4.addSubnet(a, p, 'ipv4');

const v6 = new net.BlockList();
for (const [a, p] of [
  ['::', 128],
  ['::1', 128],
  ['100::', 64],
  ['2001::', 32],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const)
  v6.addSubnet(a, p, 'ipv6');

/** 16 bytes of an IPv6 address (accepts `::` shorthand, a dotted IPv4 tail and a zone id). */
function ipv6Bytes(address: string): number[] {
  let s = address.replace(/^\[|\]$/g, '').split('%')[0] ?? '';
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (tail?.[1]) {
    const [a, b, c, d] = tail[1].split('.').map(Number) as [number, number, number, number];
    s = `${s.slice(0, -tail[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = s.split('::');
  const left = head ? head.split(':') : [];
  const right = rest ? rest.split(':') : [];
  const groups = [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return groups.flatMap((g) => {
    const n = Number.parseInt(g || '0', 16);
    return [n >> 8, n & 0xff];
  });
}

const dotted = (b: number[]) => b.join('.');

/** True when the address must not be a webhook target. */
export function isBlockedAddress(address: string): boolean {
  const family = net.isIP(address.replace(/^\[|\]$/g, '').split('%')[0] ?? '');
  if (family === 4) return v4.check(address, 'ipv4');
  if (family !== 6) return true;
  const b = ipv6Bytes(address);
  const zero = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) forms carry an IPv4 address.
  if (zero(0, 10) && ((b[10] === 0xff && b[11] === 0xff) || (b[10] === 0 && b[11] === 0)))
    return v4.check(dotted(b.slice(12)), 'ipv4');
  // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) reach the embedded IPv4 address.
  if (b[0] === 0 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zero(4, 12))
    return v4.check(dotted(b.slice(12)), 'ipv4');
  if (b[0] === 0x20 && b[1] === 0x02) return v4.check(dotted(b.slice(2, 6)), 'ipv4');
  const canonical = Array.from({ length: 8 }, (_, i) => ((b[2 * i]! << 8) | b[2 * i + 1]!).toString(16)).join(
    ':',
  );
  return v6.check(canonical, 'ipv6');
}

type LookupAll = { address: string; family: number }[];

async function resolveAll(host: string): Promise<LookupAll> {
  const bare = host.replace(/^\[|\]$/g, '');
  const family = net.isIP(bare);
  if (family) return [{ address: bare, family }];
  try {
    return await dns.promises.lookup(bare, { all: true, verbatim: true });
  } catch {
    throw new UnsafeTargetError('unresolvable');
  }
}

/** Validate a target URL: http(s), no credentials, and (unless allowed) only public addresses. */
export async function assertSafeTarget(url: string, allowPrivate: boolean): Promise<void> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UnsafeTargetError('scheme');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new UnsafeTargetError('scheme');
  if (u.username || u.password) throw new UnsafeTargetError('credentials');
  if (allowPrivate) return;
  const addresses = await resolveAll(u.hostname);
  if (!addresses.length) throw new UnsafeTargetError('unresolvable');
  const bad = addresses.find((a) => isBlockedAddress(a.address));
  if (bad) throw new UnsafeTargetError('private-address', bad.address);
}

type LookupCallback = (err: Error | null, address: string | LookupAll, family?: number) => void;

/**
 * A `lookup` for http.request that refuses blocked addresses, so the connection goes only to an
 * address that passed the check (re-checked at every delivery: DNS may have changed).
 */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: { all?: boolean } | number, callback: LookupCallback): void => {
    resolveAll(hostname).then(
      (all) => {
        const bad = allowPrivate ? undefined : all.find((a) => isBlockedAddress(a.address));
        if (bad) return callback(new UnsafeTargetError('private-address', bad.address), '');
        if (!all.length) return callback(new UnsafeTargetError('unresolvable'), '');
        if (typeof options === 'object' && options.all) return callback(null, all);
        return callback(null, all[0]!.address, all[0]!.family);
      },
      (err: Error) => callback(err, ''),
    );
  };
}
