import { createReadStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signDetached } from "../../../shared/signing/sign-detached.ts";
import { SoftwareSigner } from "../../../shared/signing/software-signer.ts";
import { validateDetached } from "../../../shared/verification/validate-detached.ts";
import { opensslVerifyDetached } from "../../support/openssl.ts";
import { type TestPki, testPki } from "../../support/pki.ts";
import { tempDir } from "../../support/temp-dir.ts";
import { offlineOptions } from "./helpers.ts";

/** One chunk as the async byte stream `signDetached` reads. */
async function* chunks(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

let pki: TestPki;
let dir: string;
let cleanup: () => Promise<void>;
const content = new Uint8Array(Buffer.from("Phụ lục: bảng tổng hợp dự toán quý I/2024\n".repeat(2000)));
let p7s: Uint8Array;

beforeAll(async () => {
  pki = await testPki();
  ({ dir, cleanup } = await tempDir("lienthong-verify-"));
  const signer = SoftwareSigner.fromPkcs12(pki.organisation.p12, pki.organisation.p12Password);
  p7s = await signDetached(chunks(content), { signer });
});

afterAll(async () => {
  await cleanup?.();
});

describe("detached CAdES signatures (.p7s)", () => {
  it("passes over the right content, from bytes and from a file stream", async () => {
    const report = await validateDetached(
      content,
      p7s,
      offlineOptions(pki, { expectedOrganCode: "000.00.11.H53" }),
    );
    expect(report.verdict).toBe("TOTAL_PASSED");
    expect(report.document).toMatchObject({ kind: "detached", size: content.length, revisions: 1 });
    expect(report.signatures[0]).toMatchObject({
      kind: "detached",
      coverage: "whole-file",
      signer: { organCode: "000.00.11.H53" },
    });
    const path = join(dir, "phu-luc.txt");
    await writeFile(path, content);
    const streamed = await validateDetached(
      createReadStream(path, { highWaterMark: 1024 }),
      p7s,
      offlineOptions(pki),
    );
    expect(streamed.verdict).toBe("TOTAL_PASSED");
    expect(streamed.document.sha256).toBe(report.document.sha256);
  });

  it("openssl agrees that the signature is good", async () => {
    const contentPath = join(dir, "content.bin");
    const sigPath = join(dir, "sig.p7s");
    const rootPath = join(dir, "root.pem");
    await writeFile(contentPath, content);
    await writeFile(sigPath, p7s);
    await writeFile(rootPath, pki.root.certPem);
    const result = await opensslVerifyDetached(sigPath, contentPath, rootPath);
    expect(result.code).toBe(0);
  });

  it("fails with HASH_FAILURE when one byte of the content changed", async () => {
    const tampered = new Uint8Array(content);
    tampered[100] = tampered[100]! ^ 1;
    const report = await validateDetached(tampered, p7s, offlineOptions(pki));
    expect(report.signatures[0]).toMatchObject({ indication: "TOTAL_FAILED", subIndication: "HASH_FAILURE" });
  });

  it("fails with FORMAT_FAILURE for a .p7s that is not CMS", async () => {
    const report = await validateDetached(
      content,
      new Uint8Array([0x30, 0x03, 2, 1, 0]),
      offlineOptions(pki),
    );
    expect(report.signatures[0]).toMatchObject({
      indication: "TOTAL_FAILED",
      subIndication: "FORMAT_FAILURE",
    });
    expect(report.verdict).toBe("TOTAL_FAILED");
  });
});
