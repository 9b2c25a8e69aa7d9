import fc from "fast-check";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import {
  activeSecrets,
  createEndpoint,
  publicEndpoint,
  rotateSecret,
  SECRET_ROTATION_GRACE_MS,
  signWebhook,
  validateEndpointEvents,
  validateEndpointUrl,
} from "../../../shared/webhooks/index.ts";

const deployed = { local: false };
const local = { local: true };
const organ = "000.00.01.H01";

describe("endpoint URLs", () => {
  it("accepts https to public hosts, and http only to loopback in the local runtime", () => {
    expect(validateEndpointUrl("https://eoffice.hanoi.gov.vn/hooks?x=1", deployed)).toBe(
      "https://eoffice.hanoi.gov.vn/hooks?x=1",
    );
    expect(validateEndpointUrl("https://1.1.1.1:8443/h", deployed)).toBe("https://1.1.1.1:8443/h");
    expect(validateEndpointUrl("http://127.0.0.1:4000/h", local)).toBe("http://127.0.0.1:4000/h");
    expect(validateEndpointUrl("http://localhost:4000/h", local)).toBe("http://localhost:4000/h");
    expect(validateEndpointUrl("http://[::1]:4000/h", local)).toBe("http://[::1]:4000/h");
    expect(validateEndpointUrl("https://127.0.0.1/h", local)).toBe("https://127.0.0.1/h");
  });

  it.each([
    ["http://eoffice.example.vn/h", deployed],
    ["http://127.0.0.1:4000/h", deployed],
    ["http://192.168.1.5/h", local],
    ["http://example.vn/h", local],
    ["ftp://example.vn/h", deployed],
    ["file:///etc/passwd", local],
    ["javascript:alert(1)", local],
    ["https://user:pw@example.vn/h", deployed],
    ["https://example.vn/h#frag", deployed],
    ["https://localhost/h", deployed],
    ["https://127.0.0.1/h", deployed],
    ["https://10.0.0.8/h", deployed],
    ["https://169.254.169.254/latest/meta-data", deployed],
    ["https://172.20.0.1/h", deployed],
    ["https://100.64.0.1/h", deployed],
    ["https://[::1]/h", deployed],
    ["https://[fd00::1]/h", deployed],
    ["https://[::ffff:127.0.0.1]/h", deployed],
    ["https://0.0.0.0/h", deployed],
    ["/relative/path", deployed],
    ["", deployed],
    [`https://example.vn/${"a".repeat(2100)}`, deployed],
    [42, deployed],
  ])("refuses %s with WEBHOOK_URL_INVALID", (url, rules) => {
    expect(() => validateEndpointUrl(url, rules)).toThrow(
      expect.objectContaining({ code: "WEBHOOK_URL_INVALID" }),
    );
  });

  it("never accepts a scheme other than https and http, for any generated URL", () => {
    const host = fc.stringMatching(/^[a-z0-9-]{1,20}(\.[a-z]{2,6}){1,2}$/);
    const path = fc.stringMatching(/^(\/[A-Za-z0-9._~%-]{0,12}){0,4}$/);
    const scheme = fc.constantFrom("ftp", "ws", "wss", "file", "gopher", "data", "httpx", "HTTPS+x");
    fc.assert(
      fc.property(scheme, host, path, (s, h, p) => {
        expect(() => validateEndpointUrl(`${s}://${h}${p}`, local)).toThrow(
          expect.objectContaining({ code: "WEBHOOK_URL_INVALID" }),
        );
        // The same URL over https is fine, so the scheme is what was refused.
        expect(validateEndpointUrl(`https://${h}${p}`, local)).toMatch(/^https:\/\//);
      }),
    );
  });

  it("never accepts a private IPv4 literal in deployed mode", () => {
    const privateIp = fc.oneof(
      fc.tuple(fc.constant(10), fc.nat(255), fc.nat(255), fc.nat(255)),
      fc.tuple(fc.constant(127), fc.nat(255), fc.nat(255), fc.nat(255)),
      fc.tuple(fc.constant(172), fc.integer({ min: 16, max: 31 }), fc.nat(255), fc.nat(255)),
      fc.tuple(fc.constant(192), fc.constant(168), fc.nat(255), fc.nat(255)),
      fc.tuple(fc.constant(169), fc.constant(254), fc.nat(255), fc.nat(255)),
    );
    fc.assert(
      fc.property(privateIp, (parts) => {
        expect(() => validateEndpointUrl(`https://${parts.join(".")}/h`, deployed)).toThrow(
          expect.objectContaining({ code: "WEBHOOK_URL_INVALID" }),
        );
      }),
    );
  });
});

describe("endpoint events", () => {
  it("takes a non-empty subset, de-duplicated in the canonical order", () => {
    expect(validateEndpointEvents(["receipt.issued", "letter.received", "receipt.issued"])).toEqual([
      "letter.received",
      "receipt.issued",
    ]);
  });

  it.each([[[]], [["letter.sent"]], [["letter.received", 3]], ["letter.received"], [undefined]])(
    "refuses %j with WEBHOOK_EVENTS_INVALID",
    (events) => {
      expect(() => validateEndpointEvents(events)).toThrow(
        expect.objectContaining({ code: "WEBHOOK_EVENTS_INVALID" }),
      );
    },
  );
});

describe("createEndpoint and rotateSecret", () => {
  const now = new Date("2026-12-01T08:00:00Z");

  it("generates the id and the secret, returns the secret once and keeps it out of the public view", () => {
    const { endpoint, secret } = createEndpoint(
      { url: "https://eoffice.example.vn/hooks", events: ["letter.received"] },
      { organ, now, local: false },
    );
    expect(endpoint).toMatchObject({
      organ,
      enabled: true,
      events: ["letter.received"],
      createdAt: now.toISOString(),
    });
    expect(endpoint.id).toMatch(/^ep_[0-9a-f]{24}$/);
    expect(secret).toMatch(/^whsec_/);
    expect(endpoint.secrets).toEqual([{ value: secret }]);
    const shown = publicEndpoint(endpoint);
    expect(JSON.stringify(shown)).not.toContain(secret.slice(6));
    expect(shown).not.toHaveProperty("secrets");
  });

  it("refuses bad input before generating anything", () => {
    expect(() =>
      createEndpoint(
        { url: "http://eoffice.example.vn", events: ["letter.received"] },
        { organ, now, local: false },
      ),
    ).toThrow(expect.objectContaining({ code: "WEBHOOK_URL_INVALID" }));
  });

  it("signs with both secrets during the grace period and with the new one only after it", () => {
    const { endpoint, secret: old } = createEndpoint(
      { url: "https://eoffice.example.vn/hooks", events: ["status.changed"] },
      { organ, now, local: false },
    );
    const t = now.getTime();
    const { endpoint: rotated, secret: fresh } = rotateSecret(endpoint, t);
    expect(activeSecrets(rotated, t + 1)).toEqual([fresh, old]);
    expect(activeSecrets(rotated, t + SECRET_ROTATION_GRACE_MS)).toEqual([fresh]);

    const body = "{}";
    const ts = Math.floor(Date.now() / 1000);
    const during = signWebhook({
      id: "msg_r",
      timestampSeconds: ts,
      body,
      secrets: activeSecrets(rotated, t + 1),
    });
    expect(() => new Webhook(old).verify(body, { ...during })).not.toThrow();
    expect(() => new Webhook(fresh).verify(body, { ...during })).not.toThrow();
    const after = signWebhook({
      id: "msg_r",
      timestampSeconds: ts,
      body,
      secrets: activeSecrets(rotated, t + SECRET_ROTATION_GRACE_MS),
    });
    expect(() => new Webhook(old).verify(body, { ...after })).toThrow();

    // A second rotation inside the grace period does not extend the oldest secret's life.
    const { endpoint: twice } = rotateSecret(rotated, t + 1000);
    expect(twice.secrets.find((s) => s.value === old)?.expiresAt).toBe(t + SECRET_ROTATION_GRACE_MS);
  });
});
