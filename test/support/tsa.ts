/**
 * A local RFC 3161 TSA for tests, signing with the test PKI's TSA certificate
 * (`testPki().tsa`, EKU timeStamping critical). Start one per test file in `beforeAll` and close
 * it in `afterAll`.
 *
 * @example
 * let tsa: TestTsa;
 * beforeAll(async () => { tsa = await startTestTsa(); });
 * afterAll(() => tsa.close());
 * const cms = await createCmsSignature({ contentDigest, signer, tsa: tsa.client });
 */

import { type LocalTsa, startLocalTsa } from "../../devkit/tsa.ts";
import { toPem } from "../../shared/pki/certificate.ts";
import { HttpTsa } from "../../shared/signing/http-tsa.ts";
import { testPki } from "./pki.ts";

export interface TestTsa {
  readonly url: string;
  /** An HttpTsa pointed at the local TSA (timeout 10 s). */
  readonly client: HttpTsa;
  /** The running server. */
  readonly server: LocalTsa;
  close(): Promise<void>;
}

/** Starts a local TSA on a free port. */
export async function startTestTsa(): Promise<TestTsa> {
  const pki = await testPki();
  const server = await startLocalTsa({
    certPem: pki.tsa.certPem,
    keyPem: pki.tsa.keyPem,
    chainPem: pki.tsa.chain.map((cert) => toPem(cert.der)).join(""),
  });
  return {
    url: server.url,
    client: new HttpTsa({ url: server.url, timeoutMs: 10_000 }),
    server,
    close: () => server.close(),
  };
}
