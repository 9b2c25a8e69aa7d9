import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoSignaturePng } from "../../devkit/demo-images.ts";
import type { LienthongClient } from "../../local/api-client.ts";
import { type DemoPkiManifest, loadPkcs12 } from "../../shared/pki/index.ts";
import {
  demoPki,
  draftLetter,
  inboxVerdict,
  organClients,
  organCodes,
  personEntry,
  samplePdf,
} from "../support/exchange.ts";
import { runTool } from "../support/openssl.ts";
import { type TempDir, tempDir } from "../support/temp-dir.ts";

interface Prepared {
  signingId: string;
  hashAlgorithm: string;
  digestToSign: string;
  toBeSigned: string;
}

let sender: LienthongClient;
let recipient: LienthongClient;
let outsider: LienthongClient;
let codes: string[];
let manifest: DemoPkiManifest;
let pkiPath: (file: string) => string;
let temp: TempDir;

beforeAll(async () => {
  [sender, recipient, , outsider] = organClients() as [
    LienthongClient,
    LienthongClient,
    LienthongClient,
    LienthongClient,
  ];
  codes = organCodes();
  ({ manifest, path: pkiPath } = demoPki());
  temp = await tempDir("lienthong-external-");
});
afterAll(() => temp.cleanup());

/** The signer's certificate and chain (PEM), and its key as a USB token would hold it. */
function signerOf(organCode: string): { certificates: string; keyFile: Promise<string> } {
  const entry = personEntry(manifest, organCode);
  const key = loadPkcs12(readFileSync(pkiPath(entry.p12)), manifest.password).privateKey;
  return {
    certificates:
      readFileSync(pkiPath(entry.certificate), "utf8") + readFileSync(pkiPath(manifest.chain), "utf8"),
    keyFile: temp.file(`${organCode}.key.pem`, key.export({ type: "pkcs8", format: "pem" }) as string),
  };
}

/** What a USB-token plugin does: sign the digest it is given (openssl pkeyutl, prehashed input). */
async function tokenSign(keyFile: string, prepared: Prepared): Promise<string> {
  const digest = await temp.file(`${prepared.signingId}.bin`, Buffer.from(prepared.digestToSign, "base64"));
  const out = join(temp.dir, `${prepared.signingId}.sig`);
  const result = await runTool("openssl", [
    "pkeyutl",
    "-sign",
    "-inkey",
    keyFile,
    "-pkeyopt",
    `digest:${prepared.hashAlgorithm}`,
    "-in",
    digest,
    "-out",
    out,
  ]);
  expect(result.code, result.stderr).toBe(0);
  return readFileSync(out).toString("base64");
}

function draft(pdf: Uint8Array): Promise<string> {
  return draftLetter(sender, pdf, [codes[1]!]);
}

describe("two-phase signing through the API (USB token, remote signing service)", () => {
  it("prepare → the token signs the digest → complete; the recipient sees TOTAL_PASSED", async () => {
    const id = await draft(await samplePdf());
    const signer = signerOf(codes[0]!);
    const prepare = await sender.request<Prepared>("POST", "/v1/sign/prepare", {
      letterId: id,
      certificates: signer.certificates,
      appearance: {
        kind: "signer",
        image: Buffer.from(demoSignaturePng()).toString("base64"),
        title: "CHỦ TỊCH",
      },
    });
    expect(prepare.status).toBe(201);
    expect(Buffer.from(prepare.body.digestToSign, "base64")).toHaveLength(32);

    const signatureValue = await tokenSign(await signer.keyFile, prepare.body);
    const complete = await sender.request<{ signer: { organCode: string } }>("POST", "/v1/sign/complete", {
      signingId: prepare.body.signingId,
      signatureValue,
    });
    expect(complete.status).toBe(200);
    expect(complete.body.signer.organCode).toBe(codes[0]);

    // A session completes once.
    const again = await sender.request<{ code: string }>("POST", "/v1/sign/complete", {
      signingId: prepare.body.signingId,
      signatureValue,
    });
    expect(again.body.code).toBe("SIGNING_SESSION_NOT_FOUND");

    const sent = await sender.call<{ verification: { verdict: string; signatures: unknown[] } }>(
      "POST",
      `/v1/letters/${id}/send`,
    );
    expect(sent.verification.verdict).toBe("TOTAL_PASSED");
    expect(sent.verification.signatures).toHaveLength(1);
    expect(await inboxVerdict(recipient, id)).toBe("TOTAL_PASSED");
  });

  it("refuses a wrong signature value and keeps the draft unchanged", async () => {
    const pdf = await samplePdf();
    const id = await draft(pdf);
    const signer = signerOf(codes[0]!);
    const prepared = await sender.call<Prepared>("POST", "/v1/sign/prepare", {
      letterId: id,
      certificates: signer.certificates,
    });
    const other = signerOf(codes[2]!); // another organ's key: a value that does not verify
    const wrong = await tokenSign(await other.keyFile, prepared);
    const response = await sender.request<{ code: string; status: number }>("POST", "/v1/sign/complete", {
      signingId: prepared.signingId,
      signatureValue: wrong,
    });
    expect(response.body).toMatchObject({ status: 422, code: "SIGNATURE_VALUE_INVALID" });
    const letter = await sender.call<{ file: { size: number } }>("GET", `/v1/letters/${id}`);
    expect(letter.file.size).toBe(pdf.length);
  });

  it("accepts only certificates of the caller organ, and sessions of the caller organ", async () => {
    const id = await draft(await samplePdf());
    const foreign = await sender.request<{ code: string }>("POST", "/v1/sign/prepare", {
      letterId: id,
      certificates: signerOf(codes[2]!).certificates,
    });
    expect(foreign.body.code).toBe("FORBIDDEN");

    const prepared = await sender.call<Prepared>("POST", "/v1/sign/prepare", {
      letterId: id,
      certificates: signerOf(codes[0]!).certificates,
    });
    const stolen = await outsider.request<{ code: string }>("POST", "/v1/sign/complete", {
      signingId: prepared.signingId,
      signatureValue: "AAAA",
    });
    expect(stolen.body.code).toBe("SIGNING_SESSION_NOT_FOUND");

    const both = await sender.request<{ code: string }>("POST", "/v1/sign/complete", {
      signingId: prepared.signingId,
      signatureValue: "AAAA",
      cms: "AAAA",
    });
    expect(both.body.code).toBe("VALIDATION_FAILED");
  });
});
