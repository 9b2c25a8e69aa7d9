import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSignedData } from "../../../shared/cms/parse.ts";
import { verifySignerInfo } from "../../../shared/cms/verify.ts";
import { hashStream, signDetached } from "../../../shared/signing/sign-detached.ts";
import { SoftwareSigner } from "../../../shared/signing/software-signer.ts";
import { opensslVerifyDetached } from "../../support/openssl.ts";
import { testPki } from "../../support/pki.ts";
import { type TempDir, tempDir } from "../../support/temp-dir.ts";
import { startTestTsa, type TestTsa } from "../../support/tsa.ts";

const CHUNK = 1024 * 1024;

/** `megabytes` MB of deterministic, non-repeating-per-chunk bytes, generated on the fly. */
async function* generated(megabytes: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < megabytes; i++) {
    const chunk = new Uint8Array(CHUNK);
    new DataView(chunk.buffer).setUint32(0, i);
    chunk.fill(i & 0xff, 4);
    yield chunk;
  }
}

let temp: TempDir;
let tsa: TestTsa;
let signer: SoftwareSigner;
let rootFile: string;

beforeAll(async () => {
  const pki = await testPki();
  temp = await tempDir();
  tsa = await startTestTsa();
  signer = SoftwareSigner.fromPkcs12(pki.organisation.p12, pki.organisation.p12Password);
  rootFile = await temp.file("root.pem", pki.root.certPem);
});

afterAll(async () => {
  await tsa?.close();
  await temp?.cleanup();
});

describe("signDetached", () => {
  it("signs a 50 MB file streamed from disk; openssl verifies the .p7s", async () => {
    // Prepare: 50 MB written chunk by chunk.
    const file = `${temp.dir}/big.bin`;
    await pipeline(Readable.from(generated(50)), createWriteStream(file));
    // Act
    const p7s = await signDetached(createReadStream(file), { signer, tsa: tsa.client });
    // Assess
    const p7sFile = await temp.file("big.bin.p7s", p7s);
    const result = await opensslVerifyDetached(p7sFile, file, rootFile);
    expect(result.code, result.stderr).toBe(0);
    expect(parseSignedData(p7s).signerInfos[0]!.timestampTokens).toHaveLength(1);
  });

  it("hashes any async iterable of chunks, with the chosen digest", async () => {
    const expected = createHash("sha512");
    for await (const chunk of generated(8)) {
      expected.update(chunk);
    }
    const contentDigest = new Uint8Array(expected.digest());
    const p7s = await signDetached(generated(8), { signer, hashAlgorithm: "sha512" });
    const info = parseSignedData(p7s).signerInfos[0]!;
    expect(info.digestAlgorithm).toBe("sha512");
    expect(verifySignerInfo(info, signer.certificate, contentDigest)).toEqual({
      digestMatches: true,
      signatureValid: true,
      essMatches: true,
    });
  });

  it("refuses text streams (the bytes would be re-encoded)", async () => {
    await expect(hashStream(Readable.from(["text"]))).rejects.toMatchObject({ code: "VALIDATION_FAILED" });
  });
});
