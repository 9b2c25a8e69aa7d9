import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCmsSignature } from "../../../shared/cms/create-cms-signature.ts";
import { parseSignedData } from "../../../shared/cms/parse.ts";
import type { Tsa } from "../../../shared/cms/ports.ts";
import {
  buildTimeStampRequest,
  checkTimestampToken,
  parseTimestampToken,
} from "../../../shared/cms/timestamp.ts";
import { toPem } from "../../../shared/pki/certificate.ts";
import { HttpTsa } from "../../../shared/signing/http-tsa.ts";
import { SoftwareSigner } from "../../../shared/signing/software-signer.ts";
import { sha256 } from "../../support/hash.ts";
import { runTool } from "../../support/openssl.ts";
import { testPki } from "../../support/pki.ts";
import { type TempDir, tempDir } from "../../support/temp-dir.ts";
import { startTestTsa, type TestTsa } from "../../support/tsa.ts";

let temp: TempDir;
let tsa: TestTsa;
let signer: SoftwareSigner;
let closedPortUrl: string;

beforeAll(async () => {
  const pki = await testPki();
  temp = await tempDir();
  tsa = await startTestTsa();
  signer = SoftwareSigner.fromPkcs12(pki.person.p12, pki.person.p12Password);
  // A port that was free a moment ago and is closed now: connection refused.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  closedPortUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/`;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});

afterAll(async () => {
  await tsa?.close();
  await temp?.cleanup();
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

describe("timestamps from the local TSA", () => {
  it("produce a token that openssl ts -verify accepts for the signature value", async () => {
    // Prepare
    const pki = await testPki();
    const before = Date.now();
    // Act
    const cms = await createCmsSignature({ contentDigest: sha256("letter"), signer, tsa: tsa.client });
    // Assess
    const info = parseSignedData(cms).signerInfos[0]!;
    const token = info.timestampTokens[0]!;
    const parsed = parseTimestampToken(token);
    expect(parsed.hashAlgorithm).toBe("sha256");
    expect(Buffer.from(parsed.messageImprint)).toEqual(Buffer.from(sha256(info.signature)));
    expect(parsed.genTime.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
    expect(parsed.genTime.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    expect(parsed.policyOid).toBe("1.3.6.1.4.1.99999.1.1");
    expect(parsed.signedData.certificates.map((c) => c.sha256)).toContain(pki.tsa.certificate.sha256);

    const tokenFile = await temp.file("token.der", token);
    const caFile = await temp.file("root.pem", pki.root.certPem);
    const untrusted = await temp.file(
      "untrusted.pem",
      [pki.tsa.certificate, ...pki.tsa.chain].map((c) => toPem(c.der)).join(""),
    );
    const digestHex = Buffer.from(sha256(info.signature)).toString("hex");
    const args = [
      "ts",
      "-verify",
      "-digest",
      digestHex,
      "-in",
      tokenFile,
      "-token_in",
      "-CAfile",
      caFile,
      "-untrusted",
      untrusted,
    ];
    const ok = await runTool("openssl", args);
    expect(ok.stdout).toContain("Verification: OK");
    expect(ok.code).toBe(0);
    const wrongDigest = Buffer.from(sha256("other")).toString("hex");
    const bad = await runTool("openssl", ["ts", "-verify", "-digest", wrongDigest, ...args.slice(4)]);
    expect(bad.code).not.toBe(0);
  });

  it("builds a request OpenSSL reads: imprint, nonce, certReq", async () => {
    const imprint = sha256("x");
    const query = buildTimeStampRequest({
      messageImprint: imprint,
      hashAlgorithm: "sha256",
      nonce: Buffer.from("0102030405060708", "hex"),
    });
    const file = await temp.file("query.tsq", query);
    const text = await runTool("openssl", ["ts", "-query", "-in", file, "-text"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Hash Algorithm: sha256/);
    // Hex dump lines look like "    0000 - 2d 71 16 42 b7 26 b0 44-01 62 … ascii": keep the hex columns.
    const dumped = [...text.stdout.matchAll(/^\s+[0-9a-f]{4} - ((?:[0-9a-f]{2}[ -]){1,16})/gm)]
      .map((m) => m[1]!.replace(/[ -]/g, ""))
      .join("");
    expect(dumped).toBe(Buffer.from(imprint).toString("hex"));
    expect(text.stdout).toMatch(/Nonce: 0x0102030405060708/i);
    expect(text.stdout).toMatch(/Certificate required: yes/);
  });

  it("rejects a token whose TSTInfo was altered", async () => {
    const imprint = sha256("y");
    const token = await tsa.client.timestamp(imprint, "sha256");
    const { tstInfoDer } = parseTimestampToken(token);
    const at = Buffer.from(token).indexOf(Buffer.from(tstInfoDer)) + tstInfoDer.length - 1;
    const altered = token.slice();
    altered[at] = altered[at]! ^ 0x01;
    expect(() => checkTimestampToken(altered, { messageImprint: imprint, hashAlgorithm: "sha256" })).toThrow(
      expect.objectContaining({ code: "TSA_BAD_RESPONSE" }),
    );
    expect(() =>
      checkTimestampToken(token, { messageImprint: sha256("z"), hashAlgorithm: "sha256" }),
    ).toThrow(expect.objectContaining({ code: "TSA_BAD_RESPONSE" }));
  });
});

describe("TSA failures leave no CMS", () => {
  it("TSA down (closed port) → TSA_UNAVAILABLE", async () => {
    const down = new HttpTsa({ url: closedPortUrl, timeoutMs: 5000 });
    await expect(createCmsSignature({ contentDigest: sha256("a"), signer, tsa: down })).rejects.toMatchObject(
      {
        code: "TSA_UNAVAILABLE",
      },
    );
  });

  it("HTTP error → TSA_UNAVAILABLE", async () => {
    const { url, server } = await serve((_request, response) => {
      response.writeHead(503).end("maintenance");
    });
    try {
      await expect(new HttpTsa({ url }).timestamp(sha256("a"), "sha256")).rejects.toMatchObject({
        code: "TSA_UNAVAILABLE",
      });
    } finally {
      await close(server);
    }
  });

  it("no answer within the timeout → TSA_UNAVAILABLE", async () => {
    const { url, server } = await serve(() => {
      // never answers
    });
    try {
      await expect(
        new HttpTsa({ url, timeoutMs: 200 }).timestamp(sha256("a"), "sha256"),
      ).rejects.toMatchObject({
        code: "TSA_UNAVAILABLE",
      });
    } finally {
      await close(server);
    }
  });

  it("a rejection status or a garbage answer → TSA_BAD_RESPONSE", async () => {
    // TimeStampResp { PKIStatusInfo { status 2 (rejection), statusString { "bad alg" } } }
    const rejection = Buffer.from("300f300d020102300807 0c0762616420616c67".replace(/ /g, ""), "hex");
    rejection[1] = rejection.length - 2;
    rejection[3] = rejection.length - 4;
    for (const body of [rejection, randomBytes(64)]) {
      const fetchStub: typeof fetch = async () => new Response(body, { status: 200 });
      await expect(
        new HttpTsa({ url: "http://tsa.invalid/", fetch: fetchStub }).timestamp(sha256("a"), "sha256"),
      ).rejects.toMatchObject({
        code: "TSA_BAD_RESPONSE",
      });
    }
  });

  it("a replayed answer (nonce mismatch) → TSA_BAD_RESPONSE", async () => {
    // Prepare: record one genuine answer, then replay it for a second request with the same imprint.
    let recorded: Uint8Array | undefined;
    const recording: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      recorded = new Uint8Array(await response.arrayBuffer());
      return new Response(recorded, { status: 200 });
    };
    const imprint = sha256("replay");
    await new HttpTsa({ url: tsa.url, fetch: recording }).timestamp(imprint, "sha256");
    const replay: typeof fetch = async () => new Response(recorded!, { status: 200 });
    // Act + Assess
    await expect(
      new HttpTsa({ url: tsa.url, fetch: replay }).timestamp(imprint, "sha256"),
    ).rejects.toMatchObject({
      code: "TSA_BAD_RESPONSE",
      detail: expect.stringContaining("nonce"),
    });
  });

  it("a token for another imprint → TSA_BAD_RESPONSE; a throwing Tsa → TSA_UNAVAILABLE", async () => {
    const wrongImprint: Tsa = { timestamp: (_imprint, hash) => tsa.client.timestamp(sha256("other"), hash) };
    await expect(
      createCmsSignature({ contentDigest: sha256("a"), signer, tsa: wrongImprint }),
    ).rejects.toMatchObject({
      code: "TSA_BAD_RESPONSE",
    });
    const throwing: Tsa = { timestamp: () => Promise.reject(new TypeError("boom")) };
    await expect(
      createCmsSignature({ contentDigest: sha256("a"), signer, tsa: throwing }),
    ).rejects.toMatchObject({
      code: "TSA_UNAVAILABLE",
    });
  });
});
