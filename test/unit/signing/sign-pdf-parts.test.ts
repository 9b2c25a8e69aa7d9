/**
 * signPdfParts and readPdfForSigning (issue 9 item 3b): the input is neither copied nor hashed
 * twice, and what comes out still verifies — the digest continued from the state taken while
 * reading is the digest of the byte ranges; another hash algorithm, or a repaired input, falls
 * back to hashing the bytes.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readPdfForSigning, signPdfParts } from "../../../shared/signing/sign-pdf.ts";
import { SoftwareSigner } from "../../../shared/signing/software-signer.ts";
import { validatePdf } from "../../../shared/verification/validate-pdf.ts";
import { makeLetterPdf } from "../../support/pdf.ts";
import { type TestPki, testPki } from "../../support/pki.ts";
import { tempDir } from "../../support/temp-dir.ts";

let pki: TestPki;
let signer: SoftwareSigner;
let dir: string;
let cleanup: () => Promise<void>;
let letterPath: string;
let letter: Uint8Array;

async function verdict(parts: { base: Uint8Array; update: Uint8Array }): Promise<string> {
  const report = await validatePdf(Buffer.concat([parts.base, parts.update]), {
    trustAnchors: [pki.root.certificate],
    crls: [pki.rootCrl, pki.intermediateCrl],
    offline: true,
  });
  return report.verdict;
}

beforeAll(async () => {
  pki = await testPki();
  signer = SoftwareSigner.fromPkcs12(pki.person.p12, pki.person.p12Password);
  ({ dir, cleanup } = await tempDir("lienthong-parts-"));
  // Larger than one read chunk (256 KiB), so that the state is built over several reads.
  letter = await makeLetterPdf({ pages: 1, padToBytes: 700_000 });
  letterPath = join(dir, "letter.pdf");
  await writeFile(letterPath, letter);
});

afterAll(async () => {
  await cleanup?.();
});

describe("signPdfParts over a file hashed while read", () => {
  it("reads the file exactly and signs it without copying it; the signature verifies", async () => {
    const pdf = readPdfForSigning(letterPath);
    expect(Buffer.from(pdf.bytes).equals(Buffer.from(letter))).toBe(true);
    const parts = await signPdfParts(pdf, { signer });
    expect(parts.base).toBe(pdf.bytes);
    expect(await verdict(parts)).toBe("TOTAL_PASSED");
    // The state is copied, not consumed: the same read signs again.
    expect(await verdict(await signPdfParts(pdf, { signer }))).toBe("TOTAL_PASSED");
  });

  it("hashes again when the signature asks for another algorithm than the read", async () => {
    const parts = await signPdfParts(readPdfForSigning(letterPath, "sha256"), {
      signer,
      hashAlgorithm: "sha384",
    });
    expect(await verdict(parts)).toBe("TOTAL_PASSED");
  });

  it("hashes the rewrite when the file read was damaged and repaired", async () => {
    const text = Buffer.from(letter).toString("latin1");
    const at = text.lastIndexOf("startxref\n") + 10;
    const damaged = `${text.slice(0, at)}1${text.slice(at)}`;
    const path = join(dir, "damaged.pdf");
    await writeFile(path, Buffer.from(damaged, "latin1"));
    const parts = await signPdfParts(readPdfForSigning(path), { signer, repair: true });
    expect(parts.repaired?.problems.length).toBeGreaterThan(0);
    expect(await verdict(parts)).toBe("TOTAL_PASSED");
  });
});
