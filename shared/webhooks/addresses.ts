/**
 * The one rule for which IP addresses a webhook may be sent to (SSRF): used on IP literals when an
 * endpoint is registered (endpoint.ts) and on every address a host name resolves to when a message
 * is delivered (deliver.ts). Refused: everything that is not a public unicast address — loopback,
 * private, CGNAT, link-local (cloud metadata at 169.254.169.254), unique local, multicast,
 * broadcast and reserved, documentation and benchmarking ranges — and IPv6 forms that carry an
 * IPv4 address (mapped ::ffff:a.b.c.d, SIIT, NAT64 64:ff9b::/96, 6to4 2002::/16) are judged by the
 * address they carry. The local runtime may call loopback, and only loopback.
 *
 * Hand-written prefix arithmetic rather than net.BlockList: the embedded IPv4 address has to be
 * taken out anyway, and a refusal names its range for the organ's delivery status.
 */
import { isIP } from "node:net";

interface Range {
  readonly base: bigint;
  readonly prefix: number;
  readonly why: string;
}

const LOOPBACK = "loopback";

const V4: readonly (readonly [string, string])[] = [
  ["0.0.0.0/8", "unspecified"],
  ["10.0.0.0/8", "private"],
  ["100.64.0.0/10", "shared (CGNAT)"],
  ["127.0.0.0/8", LOOPBACK],
  ["169.254.0.0/16", "link-local (cloud metadata)"],
  ["172.16.0.0/12", "private"],
  ["192.0.0.0/24", "IETF protocol assignments"],
  ["192.0.2.0/24", "documentation"],
  ["192.88.99.0/24", "6to4 relay anycast"],
  ["192.168.0.0/16", "private"],
  ["198.18.0.0/15", "benchmarking"],
  ["198.51.100.0/24", "documentation"],
  ["203.0.113.0/24", "documentation"],
  ["224.0.0.0/4", "multicast"],
  ["240.0.0.0/4", "reserved or broadcast"],
];

// Order matters: the first match names the range (::1 before ::/96).
const V6: readonly (readonly [string, string])[] = [
  ["::/128", "unspecified"],
  ["::1/128", LOOPBACK],
  ["::/96", "IPv4-compatible (deprecated)"],
  ["100::/64", "discard"],
  ["2001::/32", "Teredo"],
  ["2001:db8::/32", "documentation"],
  ["3fff::/20", "documentation"],
  ["5f00::/16", "segment routing"],
  ["64:ff9b:1::/48", "local-use NAT64"],
  ["fc00::/7", "unique local (private)"],
  ["fe80::/10", "link-local"],
  ["fec0::/10", "site-local (deprecated)"],
  ["ff00::/8", "multicast"],
];

/** IPv6 prefixes whose low bits carry an IPv4 address: where it sits (bit shift from the right). */
const EMBEDDING: readonly (readonly [string, number])[] = [
  ["::ffff:0:0/96", 0], // IPv4-mapped: a dual-stack socket connects to the IPv4 address itself
  ["::ffff:0:0:0/96", 0], // SIIT IPv4-translated
  ["64:ff9b::/96", 0], // NAT64 well-known prefix: the gateway connects to the IPv4 address
  ["2002::/16", 80], // 6to4
];

function v4Value(address: string): bigint {
  return address.split(".").reduce((value, part) => (value << 8n) | BigInt(Number(part)), 0n);
}

/** The 128-bit value of a valid IPv6 address (zone id, if any, ignored). */
function v6Value(address: string): bigint {
  let text = address.replace(/%.*$/, "");
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1] !== undefined) {
    const v4 = v4Value(dotted[1]);
    text = `${text.slice(0, dotted.index)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups =
    tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  return groups.reduce((value, group) => (value << 16n) | BigInt(Number.parseInt(group, 16)), 0n);
}

function ranges(table: readonly (readonly [string, string])[], bits: number, parse: (a: string) => bigint) {
  return table.map(([cidr, why]): Range => {
    const [net = "", prefix = ""] = cidr.split("/");
    return { base: parse(net) >> BigInt(bits - Number(prefix)), prefix: Number(prefix), why };
  });
}

const V4_RANGES = ranges(V4, 32, v4Value);
const V6_RANGES = ranges(V6, 128, v6Value);
const EMBEDDED = EMBEDDING.map(([cidr, shift]) => ({
  ...(ranges([[cidr, "embedded"]], 128, v6Value)[0] as Range),
  shift,
}));

function match<R extends Range>(value: bigint, table: readonly R[], bits: number): R | undefined {
  return table.find((range) => value >> BigInt(bits - range.prefix) === range.base);
}

/** The range `address` falls in when it is not a public unicast address, else undefined. */
function classify(address: string): string | undefined {
  const kind = isIP(address.replace(/%.*$/, ""));
  if (kind === 4) {
    return match(v4Value(address), V4_RANGES, 32)?.why;
  }
  if (kind !== 6) {
    return "not an IP address";
  }
  const value = v6Value(address);
  const carrier = match(value, EMBEDDED, 128);
  if (carrier !== undefined) {
    const v4 = (value >> BigInt(carrier.shift)) & 0xffffffffn;
    return match(v4, V4_RANGES, 32)?.why;
  }
  return match(value, V6_RANGES, 128)?.why;
}

/**
 * Why a webhook may not be sent to the IP address `address` ("private", "link-local (cloud
 * metadata)", …), or undefined when it may. In the local runtime loopback is allowed.
 *
 * @example
 * forbiddenAddress("::ffff:10.0.0.1", { local: false }); // "private"
 * forbiddenAddress("127.0.0.1", { local: true }); // undefined
 */
export function forbiddenAddress(address: string, rules: { readonly local: boolean }): string | undefined {
  const why = classify(address);
  return why === LOOPBACK && rules.local ? undefined : why;
}

export function isLoopbackAddress(address: string): boolean {
  return classify(address) === LOOPBACK;
}
