/**
 * DNS-based SSRF at delivery time: a name is resolved once (through an injected resolver: no real
 * DNS, no traffic off this machine), refused when any of its addresses is not public, and the
 * connection goes to the checked addresses only, with the Host header and TLS SNI on the name.
 */
import { generateKeyPairSync } from "node:crypto";
import { createServer, type Server } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { createSecureContext } from "node:tls";
import fc from "fast-check";
import forge from "node-forge";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  attemptDelivery,
  type ChangeRecord,
  createEndpoint,
  generateSecret,
  Notifier,
  type ParkedMessage,
  pinnedLookup,
  type ResolvedAddress,
  type Resolver,
  signWebhook,
  webhookIdFor,
} from "../../../shared/webhooks/index.ts";
import { MemoryWebhookStore } from "./memory-webhook-store.ts";

const ORGAN = "000.00.01.H02";
const body = JSON.stringify({ type: "letter.received", timestamp: "2026-12-01T08:00:00.000Z", data: {} });
const headers = signWebhook({
  id: "msg_ssrf",
  timestampSeconds: Math.floor(Date.now() / 1000),
  body,
  secrets: [generateSecret()],
});

/** A plain receiver on 127.0.0.1 that counts connections and records what each request said. */
interface Seen {
  readonly host: string | undefined;
  readonly peer: string | undefined;
}
let server: Server;
let port = 0;
let connections = 0;
const seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      seen.push({ host: req.headers.host, peer: req.socket.localAddress });
      res.writeHead(204).end();
    });
  });
  server.on("connection", () => {
    connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  connections = 0;
  seen.length = 0;
});

const v4 = (address: string): ResolvedAddress => ({ address, family: 4 });
const v6 = (address: string): ResolvedAddress => ({ address, family: 6 });

/** Answers call n with answers[n] (the last one repeated), and counts the calls. */
function scripted(...answers: (readonly ResolvedAddress[])[]): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (hostname: string) => {
    calls.push(hostname);
    return answers[Math.min(calls.length - 1, answers.length - 1)] ?? [];
  };
  return Object.assign(resolve, { calls });
}

const FORBIDDEN: readonly ResolvedAddress[] = [
  v4("10.0.0.5"),
  v4("172.16.3.4"),
  v4("192.168.1.1"),
  v4("127.0.0.1"),
  v4("0.0.0.0"),
  v4("100.64.1.1"),
  v4("169.254.169.254"),
  v4("224.0.0.1"),
  v4("255.255.255.255"),
  v6("::1"),
  v6("::"),
  v6("::ffff:10.0.0.5"),
  v6("::ffff:a9fe:a9fe"),
  v6("64:ff9b::a9fe:a9fe"),
  v6("2002:c0a8:101::1"),
  v6("fd00:ec2::254"),
  v6("fe80::1"),
  v6("ff02::1"),
];
const PUBLIC: readonly ResolvedAddress[] = [v4("1.1.1.1"), v4("93.184.215.14"), v6("2606:4700:4700::1111")];

describe("delivery to a name that resolves to a non-public address", () => {
  it("is refused before any connection when any address is not public, whatever the order", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...FORBIDDEN),
        fc.subarray([...PUBLIC]),
        fc.nat(),
        async (bad, good, at) => {
          const answer = [...good];
          answer.splice(at % (good.length + 1), 0, bad);
          const resolve = scripted(answer);
          const result = await attemptDelivery({
            url: `https://hooks.example.vn:${port}/hooks`,
            local: false,
            body,
            headers,
            resolve,
          });
          expect(result.outcome).toBe("failed");
          expect(result.error).toContain(`hooks.example.vn resolves to ${bad.address} (`);
          expect(result.error).toMatch(
            /^WEBHOOK_ADDRESS_FORBIDDEN: hooks\.example\.vn resolves to \S+ \(.+\)$/,
          );
          expect(resolve.calls).toEqual(["hooks.example.vn"]);
          expect(connections).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("allows loopback in the local runtime only, and nothing else private there", async () => {
    const toLoopback = scripted([v4("127.0.0.1")]);
    const url = `http://hooks.localhost:${port}/hooks`;
    expect(await attemptDelivery({ url, local: true, body, headers, resolve: toLoopback })).toEqual({
      outcome: "delivered",
      status: 204,
    });
    const toMetadata = scripted([v4("169.254.169.254")]);
    expect(await attemptDelivery({ url, local: true, body, headers, resolve: toMetadata })).toMatchObject({
      outcome: "failed",
      error:
        "WEBHOOK_ADDRESS_FORBIDDEN: hooks.localhost resolves to 169.254.169.254 (link-local (cloud metadata))",
    });
    // Deployed: the same loopback name is refused by the URL rule, a public-looking one by its address.
    expect(await attemptDelivery({ url, local: false, body, headers, resolve: toLoopback })).toMatchObject({
      outcome: "failed",
      error: expect.stringMatching(/^WEBHOOK_URL_INVALID: /),
    });
    const named = `https://hooks.example.vn:${port}/hooks`;
    expect(
      await attemptDelivery({ url: named, local: false, body, headers, resolve: toLoopback }),
    ).toMatchObject({
      outcome: "failed",
      error: "WEBHOOK_ADDRESS_FORBIDDEN: hooks.example.vn resolves to 127.0.0.1 (loopback)",
    });
    expect(seen).toHaveLength(1);
  });

  it("still delivers to 127.0.0.1 in the local runtime, and never in deployed mode", async () => {
    const url = `http://127.0.0.1:${port}/hooks`;
    const resolve = scripted();
    expect(await attemptDelivery({ url, local: true, body, headers, resolve })).toEqual({
      outcome: "delivered",
      status: 204,
    });
    expect(await attemptDelivery({ url, local: false, body, headers, resolve })).toMatchObject({
      outcome: "failed",
      error: expect.stringMatching(/^WEBHOOK_URL_INVALID: /),
    });
    expect(resolve.calls).toEqual([]); // an IP literal is not looked up
    expect(connections).toBe(1);
  });

  it("reports a name that does not resolve, and a resolver that never answers, as ordinary failures", async () => {
    const missing: Resolver = async () => {
      throw Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" });
    };
    const url = `https://hooks.example.vn:${port}/hooks`;
    expect(await attemptDelivery({ url, local: false, body, headers, resolve: missing })).toEqual({
      outcome: "failed",
      error: "network error ENOTFOUND",
    });
    const silent: Resolver = () => new Promise(() => undefined);
    expect(
      await attemptDelivery({ url, local: false, body, headers, resolve: silent, timeoutMs: 100 }),
    ).toEqual({ outcome: "failed", error: "timeout after 100 ms" });
  });
});

describe("DNS rebinding between the check and the connect", () => {
  it("connects to the address it checked: the name is resolved once, a later answer is never used", async () => {
    // Loopback is what the local runtime may call; 0.0.0.0 (refused, and on this host the same
    // machine, so even a broken sender stays local) is what a rebinding server answers next.
    const resolve = scripted([v4("127.0.0.1")], [v4("0.0.0.0")]);
    const url = `http://rebind.localhost:${port}/hooks`;
    const result = await attemptDelivery({ url, local: true, body, headers, resolve });
    expect(result).toEqual({ outcome: "delivered", status: 204 });
    expect(resolve.calls).toEqual(["rebind.localhost"]);
    // The Host header keeps the name; the socket went to the checked address.
    expect(seen).toEqual([{ host: `rebind.localhost:${port}`, peer: "127.0.0.1" }]);
  });

  it("the pinned lookup answers only the checked addresses, whatever name and family it is asked", () => {
    const lookup = pinnedLookup([v4("203.0.113.9"), v6("2001:db8::9")]);
    const answers: unknown[] = [];
    lookup("evil.example", { all: true }, (_e, list) => answers.push(list));
    lookup("evil.example", { family: 6 }, (_e, address, family) => answers.push([address, family]));
    lookup("other.example", {}, (_e, address, family) => answers.push([address, family]));
    lookup("other.example", { family: 4, all: true }, (_e, list) => answers.push(list));
    expect(answers).toEqual([
      [v4("203.0.113.9"), v6("2001:db8::9")],
      ["2001:db8::9", 6],
      ["203.0.113.9", 4],
      [v4("203.0.113.9")],
    ]);
  });
});

describe("TLS on the name, not the pinned address", () => {
  it("sends the name as SNI and checks the certificate (a self-signed one is refused)", async () => {
    const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const cert = forge.pki.createCertificate();
    cert.publicKey = forge.pki.publicKeyFromPem(
      keys.publicKey.export({ type: "spki", format: "pem" }).toString(),
    );
    cert.serialNumber = "01";
    cert.validity.notBefore = new Date(Date.now() - 60_000);
    cert.validity.notAfter = new Date(Date.now() + 3_600_000);
    const name = [{ name: "commonName", value: "hooks.localhost" }];
    cert.setSubject(name);
    cert.setIssuer(name);
    cert.setExtensions([{ name: "subjectAltName", altNames: [{ type: 2, value: "hooks.localhost" }] }]);
    const keyPem = keys.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    cert.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());

    const names: string[] = [];
    const context = createSecureContext({ key: keyPem, cert: forge.pki.certificateToPem(cert) });
    const tls = createTlsServer(
      {
        SNICallback: (servername, done) => {
          names.push(servername);
          done(null, context);
        },
      },
      (_req, res) => res.writeHead(204).end(),
    );
    await new Promise<void>((resolve) => tls.listen(0, "127.0.0.1", resolve));
    const tlsPort = (tls.address() as AddressInfo).port;
    try {
      const result = await attemptDelivery({
        url: `https://hooks.localhost:${tlsPort}/hooks`,
        local: true,
        body,
        headers,
        resolve: scripted([v4("127.0.0.1")]),
      });
      expect(result).toEqual({ outcome: "failed", error: "network error DEPTH_ZERO_SELF_SIGNED_CERT" });
      expect(names).toEqual(["hooks.localhost"]);
    } finally {
      tls.closeAllConnections();
      await new Promise((resolve) => tls.close(resolve));
    }
  });
});

describe("a refused delivery in the notifier", () => {
  const record: ChangeRecord = {
    eventId: `letter:L1:letter.received:${ORGAN}`,
    organ: ORGAN,
    type: "letter.received",
    payload: { letterId: "L1" },
  };

  async function storeWith(url: string, local: boolean) {
    const store = new MemoryWebhookStore();
    const { endpoint } = createEndpoint(
      { url, events: ["letter.received"] },
      { organ: ORGAN, now: new Date(), local },
    );
    await store.putEndpoint(endpoint);
    return { store, endpoint };
  }

  it("is recorded with its reason, retried, and parked with that reason when the retries run out", async () => {
    const { store, endpoint } = await storeWith("https://hooks.example.vn/hooks", false);
    const parked: ParkedMessage[] = [];
    const notifier = new Notifier({
      store,
      resolve: scripted([v4("169.254.169.254")]),
      schedule: [{ minMs: 0, maxMs: 0 }],
      deadLetters: { park: async (message) => void parked.push(message) },
    });
    await notifier.notify([record]);
    expect(await notifier.deliverDue()).toMatchObject({ claimed: 1, retried: 1 });
    const reason =
      "WEBHOOK_ADDRESS_FORBIDDEN: hooks.example.vn resolves to 169.254.169.254 (link-local (cloud metadata))";
    expect(await store.getEntry(webhookIdFor(record.eventId, endpoint.id))).toMatchObject({
      state: "pending",
      attempts: 1,
      lastError: reason,
    });
    expect(await notifier.deliverDue()).toMatchObject({ claimed: 1, dead: 1 });
    const [dead] = await store.listDead({ organ: ORGAN });
    expect(dead).toMatchObject({ state: "dead", attempts: 2, lastError: reason });
    expect(parked).toMatchObject([{ attempts: 2, lastError: reason }]);
  });

  it("delivers once the name resolves to an allowed address again", async () => {
    const { store } = await storeWith(`http://hooks.localhost:${port}/hooks`, true);
    const resolve = scripted([v4("10.0.0.5")], [v4("127.0.0.1")]);
    const notifier = new Notifier({ store, local: true, resolve, schedule: [{ minMs: 0, maxMs: 0 }] });
    await notifier.notify([record]);
    expect(await notifier.deliverDue()).toMatchObject({ retried: 1 });
    expect(await notifier.deliverDue()).toMatchObject({ delivered: 1 });
    expect(resolve.calls).toEqual(["hooks.localhost", "hooks.localhost"]);
    expect(seen).toHaveLength(1);
  });
});
