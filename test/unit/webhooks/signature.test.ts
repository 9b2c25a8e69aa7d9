/**
 * Our Standard Webhooks signer against the `standardwebhooks` package (the reference
 * implementation, which nobody here wrote) as the oracle.
 */
import fc from "fast-check";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { decodeSecret, generateSecret, signWebhook } from "../../../shared/webhooks/index.ts";

const nowSeconds = () => Math.floor(Date.now() / 1000);

describe("signWebhook (Standard Webhooks v1)", () => {
  it("produces the header the reference implementation computes, byte for byte", () => {
    const secret = generateSecret();
    const body = JSON.stringify({ type: "letter.received", data: { subject: "Công văn số 12" } });
    const timestampSeconds = 1_700_000_000;
    const ours = signWebhook({ id: "msg_1", timestampSeconds, body, secrets: [secret] });
    const theirs = new Webhook(secret).sign("msg_1", new Date(timestampSeconds * 1000), body);
    expect(ours["webhook-signature"]).toBe(theirs);
    expect(ours["webhook-timestamp"]).toBe("1700000000");
    expect(ours["webhook-id"]).toBe("msg_1");
  });

  it("is verified by the reference implementation over generated ids, bodies and secrets", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 60 }).filter((id) => !/[\s,]/.test(id)),
        fc.string({ unit: "grapheme", maxLength: 400 }),
        fc.uint8Array({ minLength: 24, maxLength: 64 }),
        fc.integer({ min: -200, max: 200 }),
        (id, text, key, skew) => {
          const secret = `whsec_${Buffer.from(key).toString("base64")}`;
          const body = JSON.stringify({ text });
          const timestampSeconds = nowSeconds() + skew;
          const headers = signWebhook({ id, timestampSeconds, body, secrets: [secret] });
          expect(new Webhook(secret).verify(body, { ...headers })).toEqual({ text });
        },
      ),
      { numRuns: 300 },
    );
  });

  it("is refused by the reference implementation when body, id, timestamp or secret differ", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 30 }).filter((id) => !/[\s,]/.test(id)),
        fc.string({ maxLength: 100 }),
        fc.uint8Array({ minLength: 24, maxLength: 40 }),
        fc.constantFrom("body", "id", "timestamp", "secret"),
        (id, text, key, tamper) => {
          const secret = `whsec_${Buffer.from(key).toString("base64")}`;
          const body = JSON.stringify({ text });
          const headers = { ...signWebhook({ id, timestampSeconds: nowSeconds(), body, secrets: [secret] }) };
          let checkBody = body;
          let checkSecret = secret;
          if (tamper === "body") {
            checkBody = JSON.stringify({ text: `${text}x` });
          } else if (tamper === "id") {
            headers["webhook-id"] = `${id}x`;
          } else if (tamper === "timestamp") {
            headers["webhook-timestamp"] = String(Number(headers["webhook-timestamp"]) - 1);
          } else {
            const other = Buffer.from(key);
            other[0] = (other[0] ?? 0) ^ 1;
            checkSecret = `whsec_${other.toString("base64")}`;
          }
          expect(() => new Webhook(checkSecret).verify(checkBody, headers)).toThrow();
        },
      ),
      { numRuns: 200 },
    );
  });

  it("signs with every secret during a rotation, so a receiver holding either one accepts", () => {
    const [current, previous, stranger] = [generateSecret(), generateSecret(), generateSecret()];
    const body = '{"type":"status.changed"}';
    const headers = signWebhook({
      id: "msg_2",
      timestampSeconds: nowSeconds(),
      body,
      secrets: [current, previous],
    });
    expect(headers["webhook-signature"].split(" ")).toHaveLength(2);
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]{43}= v1,[A-Za-z0-9+/]{43}=$/);
    expect(new Webhook(current).verify(body, { ...headers })).toEqual({ type: "status.changed" });
    expect(new Webhook(previous).verify(body, { ...headers })).toEqual({ type: "status.changed" });
    expect(() => new Webhook(stranger).verify(body, { ...headers })).toThrow(/No matching signature/);
  });

  it("generates whsec_ secrets of 32 random bytes, each different", () => {
    const secrets = Array.from({ length: 50 }, generateSecret);
    expect(new Set(secrets).size).toBe(50);
    for (const secret of secrets) {
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(decodeSecret(secret)).toHaveLength(32);
    }
  });

  it("refuses a secret without the prefix, with too few bytes or not base64, without echoing it", () => {
    const short = `whsec_${Buffer.alloc(23, 7).toString("base64")}`;
    for (const bad of ["", Buffer.alloc(32).toString("base64"), short, "whsec_!!!notbase64!!!", "whsec_"]) {
      let thrown: unknown;
      try {
        decodeSecret(bad);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toMatchObject({ code: "INTERNAL" });
      if (bad.length > 6) {
        expect(String((thrown as Error).message)).not.toContain(bad.slice(6));
      }
    }
    expect(() => signWebhook({ id: "m", timestampSeconds: 1, body: "", secrets: [] })).toThrow(
      /no active secret/,
    );
  });
});
