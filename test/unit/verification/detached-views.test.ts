import { beforeAll, describe, expect, it } from "vitest";
import { signDetached } from "../../../shared/signing/sign-detached.ts";
import { SoftwareSigner } from "../../../shared/signing/software-signer.ts";
import { validateDetached } from "../../../shared/verification/validate-detached.ts";
import { type TestPki, testPki } from "../../support/pki.ts";
import { offlineOptions } from "./helpers.ts";

async function* chunks(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** `bytes` as a view in the middle of a larger buffer, as a pooled or sliced read hands it back. */
function asView(bytes: Uint8Array): Uint8Array {
  const backing = new Uint8Array(bytes.length + 96).fill(0x30);
  backing.set(bytes, 48);
  return backing.subarray(48, 48 + bytes.length);
}

let pki: TestPki;
const content = new Uint8Array(Buffer.from("Phụ lục kèm theo công văn\n".repeat(50)));
let p7s: Uint8Array;

beforeAll(async () => {
  pki = await testPki();
  const signer = SoftwareSigner.fromPkcs12(pki.organisation.p12, pki.organisation.p12Password);
  p7s = await signDetached(chunks(content), { signer });
});

describe("detached signatures handed over as views into larger buffers", () => {
  it("verify exactly as their own copies do", async () => {
    const own = await validateDetached(content, p7s, offlineOptions(pki));
    const viewed = await validateDetached(asView(content), asView(p7s), offlineOptions(pki));
    expect(own.verdict).toBe("TOTAL_PASSED");
    expect(viewed.verdict).toBe(own.verdict);
    const outcomes = (report: typeof own) =>
      report.signatures.flatMap((signature) =>
        signature.checks.map(({ name, status, code }) => ({ name, status, code })),
      );
    expect(outcomes(viewed)).toEqual(outcomes(own));
  });
});
