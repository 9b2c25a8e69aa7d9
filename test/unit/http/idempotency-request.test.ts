import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { holdsSecret, requestFingerprint } from "../../../shared/http/idempotency.ts";

/**
 * What an Idempotency-Key is bound to (shared/http/idempotency.ts): the fingerprint of method, path,
 * query and body, and the rule that keeps answers holding a secret out of the records.
 */
type Pair = readonly [string, string];

const event = (method: string, path: string, query: string, body?: string, base64 = false) => ({
  requestContext: { http: { method } },
  rawPath: path,
  rawQueryString: query,
  ...(body === undefined ? {} : { body }),
  isBase64Encoded: base64,
});

/** A query text of `pairs`, each character percent-encoded or not at random, a space as `+` or `%20`. */
const encoded = (pairs: readonly Pair[], choices: readonly boolean[]) => {
  let i = 0;
  const part = (text: string) =>
    [...text]
      .map((c) => {
        const percent = choices[i++ % Math.max(choices.length, 1)] ?? false;
        if (c === " ") {
          return percent ? "%20" : "+";
        }
        return percent || !/[A-Za-z0-9._~-]/.test(c) ? encodeURIComponent(c) : c;
      })
      .join("");
  return pairs.map(([name, value]) => `${part(name)}=${part(value)}`).join("&");
};

/** The query as the spec compares it: sorted by name, a repeated name's values in their order. */
const canonical = (pairs: readonly Pair[]) =>
  JSON.stringify([...pairs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

const text = fc.string({
  unit: fc.constantFrom("a", "b", "Z", "1", " ", "é", "&", "=", "+", "%", "ư"),
  maxLength: 4,
});
const pairs = fc.array(fc.tuple(fc.constantFrom("day", "limit", "a", "b"), text), { maxLength: 5 });

/** Reorders `list` so that the pairs of one name keep their relative order (an allowed permutation). */
const interleave = (list: readonly Pair[], picks: readonly number[]) => {
  const queues = new Map<string, Pair[]>();
  for (const pair of list) {
    queues.set(pair[0], [...(queues.get(pair[0]) ?? []), pair]);
  }
  const out: Pair[] = [];
  let k = 0;
  while (queues.size > 0) {
    const names = [...queues.keys()];
    const name = names[(picks[k++ % Math.max(picks.length, 1)] ?? 0) % names.length] as string;
    const queue = queues.get(name) as Pair[];
    out.push(queue.shift() as Pair);
    if (queue.length === 0) {
      queues.delete(name);
    }
  }
  return out;
};

describe("requestFingerprint", () => {
  it("is equal iff method, path, normalised query and body bytes are", () => {
    fc.assert(
      fc.property(
        fc.record({
          method: fc.constantFrom("POST", "PUT"),
          path: fc.constantFrom("/v1/admin/audit/seal", "/v1/inbox/peek", "/v1/letters/x/send"),
          pairs,
          body: fc.option(fc.string({ maxLength: 6 }), { nil: undefined }),
          choices: fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        }),
        fc.record({
          method: fc.constantFrom("POST", "PUT"),
          path: fc.constantFrom("/v1/admin/audit/seal", "/v1/inbox/peek", "/v1/letters/x/send"),
          pairs,
          body: fc.option(fc.string({ maxLength: 6 }), { nil: undefined }),
          choices: fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
          base64: fc.boolean(),
        }),
        (a, b) => {
          const fa = requestFingerprint(event(a.method, a.path, encoded(a.pairs, a.choices), a.body));
          const bodyB =
            b.body === undefined ? undefined : b.base64 ? Buffer.from(b.body).toString("base64") : b.body;
          const fb = requestFingerprint(
            event(b.method, b.path, encoded(b.pairs, b.choices), bodyB, b.base64),
          );
          const same =
            a.method === b.method &&
            a.path === b.path &&
            canonical(a.pairs) === canonical(b.pairs) &&
            (a.body ?? "") === (b.body ?? "");
          expect(fa === fb).toBe(same);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("ignores the order of parameters and their encoding, keeps repeated ones", () => {
    fc.assert(
      fc.property(
        pairs,
        fc.array(fc.nat(), { minLength: 1 }),
        fc.array(fc.boolean(), { minLength: 1 }),
        (list, picks, choices) => {
          const base = requestFingerprint(event("POST", "/p", encoded(list, [false])));
          expect(requestFingerprint(event("POST", "/p", encoded(interleave(list, picks), choices)))).toBe(
            base,
          );
          if (list.length > 0) {
            // A parameter given once more is another request.
            const doubled = [...list, list[0] as Pair];
            expect(requestFingerprint(event("POST", "/p", encoded(doubled, choices)))).not.toBe(base);
          }
        },
      ),
    );
  });

  it("reads the red team's pairs as the handlers do", () => {
    const f = (query: string) => requestFingerprint(event("POST", "/v1/admin/audit/seal", query));
    expect(f("day=2026-11-01")).not.toBe(f("day=2026-11-02"));
    expect(f("limit=1&lockSeconds=1")).toBe(f("lockSeconds=1&limit=1"));
    expect(f("a")).toBe(f("a="));
    expect(f("a=1&&b=2")).toBe(f("b=2&a=1"));
    expect(f("a=1&a=2")).not.toBe(f("a=2&a=1"));
    // Bytes that are not percent-encoded UTF-8 are compared as sent, never as a decoded look-alike.
    expect(f("a=%E0")).not.toBe(f("a=%25E0"));
    expect(f("")).not.toBe(f("a=1"));
  });
});

describe("holdsSecret", () => {
  const json = (body: unknown) => ({ statusCode: 201, body: JSON.stringify(body) });

  it("finds the exchange's one-time secrets and any secret field", () => {
    expect(holdsSecret(json({ secret: "anything", key: { id: "k" } }))).toBe(true);
    expect(holdsSecret(json({ value: `lt_clerk_${"A".repeat(24)}` }))).toBe(true);
    expect(holdsSecret(json({ value: `lt_integration_${"-_".repeat(12)}` }))).toBe(true);
    expect(holdsSecret(json({ nested: [{ v: `whsec_${"Qk9".repeat(15)}=` }] }))).toBe(true);
  });

  it("leaves ordinary answers replayable", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (subject) => {
        fc.pre(!/lt_|whsec_/.test(subject));
        expect(holdsSecret(json({ letter: { subject, secretary: "x", note: '"secret": no' } }))).toBe(false);
      }),
    );
    expect(holdsSecret(json({ subject: "salt_and_pepper_aaaaaaaaaaaaaaaaaaaaaaaaaa" }))).toBe(false);
    // Bytes (a signed PDF, a ZIP) are files, not secrets.
    expect(holdsSecret({ statusCode: 200, body: "c2VjcmV0", isBase64Encoded: true })).toBe(false);
  });
});
