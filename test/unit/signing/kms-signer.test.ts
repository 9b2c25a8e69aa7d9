import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  DisabledException,
  KMSClient,
  KMSInvalidStateException,
  type SignCommand,
  type SignCommandInput,
} from "@aws-sdk/client-kms";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DemoKeyType } from "../../../devkit/pki.ts";
import type { HashAlgorithm } from "../../../shared/cms/algorithms.ts";
import { createCmsSignature } from "../../../shared/cms/create-cms-signature.ts";
import { parseSignedData } from "../../../shared/cms/parse.ts";
import { type KmsSignClient, KmsSigner } from "../../../shared/signing/kms-signer.ts";
import { hashOf } from "../../support/hash.ts";
import { opensslVerifyDetached } from "../../support/openssl.ts";
import { type IssuedCert, testPki } from "../../support/pki.ts";
import { type TempDir, tempDir } from "../../support/temp-dir.ts";

/**
 * A recorded KMS client: keeps every SignCommand input and answers like KMS would for
 * MessageType DIGEST, signing the digest with a local key via `openssl pkeyutl` (which, like KMS,
 * signs a pre-computed digest).
 */
class RecordedKmsClient implements KmsSignClient {
  readonly inputs: SignCommandInput[] = [];
  constructor(
    private readonly keyFile: string,
    private readonly failure?: Error,
  ) {}

  async send(command: SignCommand): Promise<{ Signature?: Uint8Array }> {
    this.inputs.push(command.input);
    if (this.failure) {
      throw this.failure;
    }
    const digest = Buffer.from(command.input.Message!);
    const algorithm = command.input.SigningAlgorithm!;
    const hash = `sha${algorithm.slice(-3)}`;
    const signature = execFileSync(
      "openssl",
      ["pkeyutl", "-sign", "-inkey", this.keyFile, "-pkeyopt", `digest:${hash}`],
      {
        input: digest,
      },
    );
    return { Signature: new Uint8Array(signature) };
  }
}

const CASES: readonly { keyType: DemoKeyType; hash: HashAlgorithm; algorithm: string }[] = [
  { keyType: "rsa-2048", hash: "sha256", algorithm: "RSASSA_PKCS1_V1_5_SHA_256" },
  { keyType: "rsa-2048", hash: "sha512", algorithm: "RSASSA_PKCS1_V1_5_SHA_512" },
  { keyType: "ec-p256", hash: "sha256", algorithm: "ECDSA_SHA_256" },
  { keyType: "ec-p384", hash: "sha384", algorithm: "ECDSA_SHA_384" },
];

let temp: TempDir;
let rootFile: string;
const certs = new Map<DemoKeyType, { cert: IssuedCert; keyFile: string }>();

beforeAll(async () => {
  const pki = await testPki();
  temp = await tempDir();
  rootFile = await temp.file("root.pem", pki.root.certPem);
  const ec256 = await pki.issue({ keyType: "ec-p256" });
  const ec384 = await pki.issue({ keyType: "ec-p384" });
  for (const [type, cert] of [
    ["rsa-2048", pki.organisation],
    ["ec-p256", ec256],
    ["ec-p384", ec384],
  ] as const) {
    certs.set(type, { cert, keyFile: await temp.file(`${type}.key.pem`, cert.keyPem) });
  }
});

afterAll(async () => {
  await temp?.cleanup();
});

describe("KmsSigner (recorded client)", () => {
  it.each(CASES)(
    "signs the digest with $algorithm and the CMS verifies with openssl ($keyType)",
    async ({ keyType, hash, algorithm }) => {
      // Prepare
      const { cert, keyFile } = certs.get(keyType)!;
      const client = new RecordedKmsClient(keyFile);
      const signer = new KmsSigner({
        client,
        keyId: "alias/organ-seal",
        certificate: cert.certificate,
        chain: cert.chain,
      });
      const content = randomBytes(3000);
      // Act
      const cms = await createCmsSignature({
        contentDigest: hashOf(hash, content),
        hashAlgorithm: hash,
        signer,
      });
      // Assess: the command KMS received
      expect(client.inputs).toHaveLength(1);
      const input = client.inputs[0]!;
      const info = parseSignedData(cms).signerInfos[0]!;
      expect(input.KeyId).toBe("alias/organ-seal");
      expect(input.MessageType).toBe("DIGEST");
      expect(input.SigningAlgorithm).toBe(algorithm);
      expect(Buffer.from(input.Message!)).toEqual(Buffer.from(hashOf(hash, info.signedAttributesDer!)));
      // … and OpenSSL accepts the result.
      const p7s = await temp.file(`kms-${keyType}-${hash}.p7s`, cms);
      const contentFile = await temp.file(`kms-${keyType}-${hash}.bin`, content);
      const result = await opensslVerifyDetached(p7s, contentFile, rootFile);
      expect(result.code, result.stderr).toBe(0);
    },
  );

  it.each([
    [
      "KMSInvalidStateException",
      new KMSInvalidStateException({ message: "pending deletion", $metadata: {} }),
    ],
    ["DisabledException", new DisabledException({ message: "key is disabled", $metadata: {} })],
    // Not a modelled KMS exception: the SDK raises it as a service error with this name.
    [
      "AccessDeniedException",
      Object.assign(new Error("not authorized to perform kms:Sign"), { name: "AccessDeniedException" }),
    ],
    ["Error", new Error("socket hang up")],
  ])("maps a thrown %s to SIGNER_FAILED", async (name, failure) => {
    const { cert, keyFile } = certs.get("rsa-2048")!;
    const signer = new KmsSigner({
      client: new RecordedKmsClient(keyFile, failure),
      keyId: "k",
      certificate: cert.certificate,
    });
    await expect(createCmsSignature({ contentDigest: hashOf("sha256", "x"), signer })).rejects.toMatchObject({
      code: "SIGNER_FAILED",
      detail: expect.stringContaining(name),
    });
  });

  it("rejects an empty answer and a key that does not belong to the certificate", async () => {
    const { cert } = certs.get("rsa-2048")!;
    const empty: KmsSignClient = { send: async () => ({}) };
    await expect(
      createCmsSignature({
        contentDigest: hashOf("sha256", "x"),
        signer: new KmsSigner({ client: empty, keyId: "k", certificate: cert.certificate }),
      }),
    ).rejects.toMatchObject({ code: "SIGNER_FAILED" });
    // KMS key of the person, certificate of the organisation.
    const pki = await testPki();
    const otherKey = await temp.file("person.key.pem", pki.person.keyPem);
    const mismatched = new KmsSigner({
      client: new RecordedKmsClient(otherKey),
      keyId: "k",
      certificate: cert.certificate,
    });
    await expect(
      createCmsSignature({ contentDigest: hashOf("sha256", "x"), signer: mismatched }),
    ).rejects.toMatchObject({
      code: "SIGNER_FAILED",
    });
  });

  it("accepts a real KMSClient as its client type (compile-time contract)", () => {
    const client: KmsSignClient = new KMSClient({ region: "ap-southeast-1" });
    expect(typeof client.send).toBe("function");
    client instanceof KMSClient && client.destroy();
  });
});
