/**
 * The address rule (shared/webhooks/addresses.ts) against an oracle built here on node's own
 * net.BlockList from the IANA special-purpose registries, over generated IPv4 and IPv6 addresses
 * (inside, at the edges of and outside every range) written in the forms a resolver may give.
 */
import { BlockList } from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { forbiddenAddress, validateEndpointUrl } from "../../../shared/webhooks/index.ts";

const deployed = { local: false };
const local = { local: true };

const V4_FORBIDDEN = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.0.2.0/24",
  "192.88.99.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "198.51.100.0/24",
  "203.0.113.0/24",
  "224.0.0.0/4",
  "240.0.0.0/4",
];
const V6_FORBIDDEN = [
  "::/96",
  "100::/64",
  "2001::/32",
  "2001:db8::/32",
  "3fff::/20",
  "5f00::/16",
  "64:ff9b:1::/48",
  "fc00::/7",
  "fe80::/10",
  "fec0::/10",
  "ff00::/8",
];

function blockList(cidrs: readonly string[], type: "ipv4" | "ipv6"): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [net = "", prefix = ""] = cidr.split("/");
    list.addSubnet(net, Number(prefix), type);
  }
  return list;
}

const v4Forbidden = blockList(V4_FORBIDDEN, "ipv4");
const v6Forbidden = blockList(V6_FORBIDDEN, "ipv6");
const loopback4 = blockList(["127.0.0.0/8"], "ipv4");

type V4 = readonly [number, number, number, number];
type V6 = readonly number[]; // 8 hextets

const v4Text = (a: V4): string => a.join(".");
const v6Full = (h: V6): string => h.map((x) => x.toString(16)).join(":");
/** The canonical compressed form, as WHATWG URL writes it. */
const v6Short = (h: V6): string => new URL(`http://[${v6Full(h)}]/`).hostname.slice(1, -1);

/** Where the oracle finds an IPv4 address inside an IPv6 one. */
function embedded(h: V6): V4 | undefined {
  const low: V4 = [h[6]! >> 8, h[6]! & 0xff, h[7]! >> 8, h[7]! & 0xff];
  const zeros = (n: number) => h.slice(0, n).every((x) => x === 0);
  if ((zeros(5) && h[5] === 0xffff) || (zeros(4) && h[4] === 0xffff && h[5] === 0)) {
    return low; // ::ffff:a.b.c.d and ::ffff:0:a.b.c.d
  }
  if (h[0] === 0x64 && h[1] === 0xff9b && h.slice(2, 6).every((x) => x === 0)) {
    return low; // NAT64 64:ff9b::/96
  }
  if (h[0] === 0x2002) {
    return [h[1]! >> 8, h[1]! & 0xff, h[2]! >> 8, h[2]! & 0xff]; // 6to4
  }
  return undefined;
}

/** The oracle: "forbidden", "loopback" (allowed locally only) or "public". */
function oracle4(a: V4): "forbidden" | "loopback" | "public" {
  if (loopback4.check(v4Text(a), "ipv4")) {
    return "loopback";
  }
  return v4Forbidden.check(v4Text(a), "ipv4") ? "forbidden" : "public";
}
function oracle6(h: V6): "forbidden" | "loopback" | "public" {
  const inside = embedded(h);
  if (inside !== undefined) {
    return oracle4(inside);
  }
  if (h.slice(0, 7).every((x) => x === 0) && h[7] === 1) {
    return "loopback";
  }
  return v6Forbidden.check(v6Full(h), "ipv6") ? "forbidden" : "public";
}

const octet = fc.integer({ min: 0, max: 255 });
const hextet = fc.integer({ min: 0, max: 0xffff });

/** Anywhere, or near a range's first or last address (inside or just outside it). */
const v4: fc.Arbitrary<V4> = fc.oneof(
  fc.tuple(octet, octet, octet, octet),
  fc
    .tuple(fc.constantFrom(...V4_FORBIDDEN), fc.boolean(), fc.integer({ min: -2, max: 2 }))
    .map(([cidr, atEnd, delta]) => {
      const [net = "", prefix = ""] = cidr.split("/");
      const base = net.split(".").reduce((v, p) => v * 256 + Number(p), 0);
      const edge = atEnd ? base + 2 ** (32 - Number(prefix)) - 1 : base;
      const n = (((edge + delta) % 2 ** 32) + 2 ** 32) % 2 ** 32;
      return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff] as const;
    }),
);

const anyV6 = fc.array(hextet, { minLength: 8, maxLength: 8 });
/** Anywhere, under a forbidden or embedding prefix, or carrying a generated IPv4 address. */
const v6: fc.Arbitrary<V6> = fc.oneof(
  anyV6,
  fc
    .tuple(fc.constantFrom(...V6_FORBIDDEN, "::1/128", "::ffff:0:0/96", "2002::/16", "64:ff9b::/96"), anyV6)
    .map(([cidr, rest]) => {
      const [net = "", prefix = ""] = cidr.split("/");
      const base = new URL(`http://[${net}]/`).hostname.slice(1, -1);
      const full = base === "::" ? Array(8).fill(0) : expand(base);
      const keep = Number(prefix);
      return full.map((x, i) => {
        const bits = Math.min(16, Math.max(0, keep - i * 16));
        const mask = bits === 0 ? 0 : (0xffff << (16 - bits)) & 0xffff;
        return (x & mask) | (rest[i]! & ~mask & 0xffff);
      });
    }),
  fc
    .tuple(v4, fc.constantFrom("mapped", "siit", "nat64", "6to4"), hextet)
    .map(([[a, b, c, d], form, extra]) => {
      const hi = (a << 8) | b;
      const lo = (c << 8) | d;
      if (form === "mapped") return [0, 0, 0, 0, 0, 0xffff, hi, lo];
      if (form === "siit") return [0, 0, 0, 0, 0xffff, 0, hi, lo];
      if (form === "nat64") return [0x64, 0xff9b, 0, 0, 0, 0, hi, lo];
      return [0x2002, hi, lo, extra, 0, 0, 0, 1];
    }),
);

/** A compressed IPv6 text back to 8 hextets (the test's own reading, for the generator). */
function expand(text: string): number[] {
  const [head = "", tail = ""] = text.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === "" ? [] : tail.split(":");
  const middle = text.includes("::") ? Array(8 - left.length - right.length).fill("0") : [];
  return [...left, ...middle, ...right].map((x) => Number.parseInt(x, 16));
}

/** The forms a resolver or a URL may write one IPv6 address in. */
function v6Forms(h: V6): string[] {
  const forms = [v6Full(h), v6Short(h), v6Full(h).toUpperCase()];
  const inside = embedded(h);
  if (inside !== undefined && h[0] !== 0x2002) {
    forms.push(`${v6Full(h.slice(0, 6))}:${v4Text(inside)}`);
  }
  return forms;
}

const verdict = (why: string | undefined): "allowed" | "refused" =>
  why === undefined ? "allowed" : "refused";

describe("forbiddenAddress, against a net.BlockList oracle", () => {
  it("refuses exactly the non-public IPv4 addresses; the local runtime may also call loopback", () => {
    fc.assert(
      fc.property(v4, (a) => {
        const expected = oracle4(a);
        expect(verdict(forbiddenAddress(v4Text(a), deployed))).toBe(
          expected === "public" ? "allowed" : "refused",
        );
        expect(verdict(forbiddenAddress(v4Text(a), local))).toBe(
          expected === "forbidden" ? "refused" : "allowed",
        );
      }),
      { numRuns: 3000 },
    );
  });

  it("refuses exactly the non-public IPv6 addresses, judging embedded IPv4 by the IPv4 rule, in every form", () => {
    fc.assert(
      fc.property(v6, (h) => {
        const expected = oracle6(h);
        for (const form of v6Forms(h)) {
          expect(verdict(forbiddenAddress(form, deployed)), form).toBe(
            expected === "public" ? "allowed" : "refused",
          );
          expect(verdict(forbiddenAddress(form, local)), form).toBe(
            expected === "forbidden" ? "refused" : "allowed",
          );
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("names the range, for the organ's delivery status", () => {
    expect(forbiddenAddress("169.254.169.254", deployed)).toBe("link-local (cloud metadata)");
    expect(forbiddenAddress("::ffff:169.254.169.254", deployed)).toBe("link-local (cloud metadata)");
    expect(forbiddenAddress("64:ff9b::a9fe:a9fe", deployed)).toBe("link-local (cloud metadata)");
    expect(forbiddenAddress("fe80::1%eth0", deployed)).toBe("link-local");
    expect(forbiddenAddress("255.255.255.255", deployed)).toBe("reserved or broadcast");
    expect(forbiddenAddress("127.0.0.1", deployed)).toBe("loopback");
    expect(forbiddenAddress("2606:4700:4700::1111", deployed)).toBeUndefined();
    expect(forbiddenAddress("hooks.example.vn", local)).toBe("not an IP address");
  });

  it("registration refuses every IP literal the rule refuses, and only by it", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          v4.map(v4Text),
          v6.map(v6Short).map((t) => `[${t}]`),
        ),
        (host) => {
          const bare = host.replace(/^\[(.*)\]$/, "$1");
          const refused = forbiddenAddress(bare, deployed) !== undefined;
          const register = () => validateEndpointUrl(`https://${host}/h`, deployed);
          if (refused) {
            expect(register).toThrow(expect.objectContaining({ code: "WEBHOOK_URL_INVALID" }));
          } else {
            expect(register()).toMatch(/^https:\/\//);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
