/**
 * `npm run admin:bootstrap -- --exchange-csr`: the certification request of the exchange's KMS
 * evidence key, signed through kms:Sign (a mock of the KMS client: AWS KMS has no local emulator,
 * signing with a local key as KMS would), checked by OpenSSL (`openssl req -verify`).
 */
import { execFile } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { GetPublicKeyCommand, type SignCommand } from "@aws-sdk/client-kms";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type BootstrapDependencies, main } from "../../../cli/admin-bootstrap.ts";
import { isExchangeError } from "../../../shared/errors/index.ts";
import { createCertificationRequest } from "../../../shared/signing/certification-request.ts";
import { rsaSignSha256Digest, spkiOf } from "../../support/evidence-pki.ts";
import { tempFolder } from "../infra/helpers.ts";

const run = promisify(execFile);
const ARN = "arn:aws:kms:ap-southeast-1:111122223333:key/5e5e5e5e-1111-2222-3333-444455556666";
const keyPair = generateKeyPairSync("rsa", { modulusLength: 2048 });
let folder: { path: string; remove: () => Promise<void> };

beforeAll(async () => {
  folder = await tempFolder("lienthong-csr-");
});

afterAll(async () => {
  await folder?.remove();
});

/** "KMS" holding `keyPair`, signing with `signingKey` (another key's, to see OpenSSL refuse). */
function mockKms(signingKey = keyPair.privateKey) {
  const signed: SignCommand[] = [];
  const dependencies: BootstrapDependencies = {
    kms: {
      send: async (command) => {
        expect(command).toBeInstanceOf(GetPublicKeyCommand);
        return { KeyId: ARN, PublicKey: spkiOf(keyPair), KeyUsage: "SIGN_VERIFY", KeySpec: "RSA_2048" };
      },
    },
    kmsSign: {
      send: async (command) => {
        signed.push(command);
        return { Signature: rsaSignSha256Digest(signingKey, command.input.Message ?? new Uint8Array()) };
      },
    },
  };
  return { dependencies, signed };
}

async function csr(dependencies: BootstrapDependencies, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((line: string) => void out.push(line));
  const error = vi.spyOn(console, "error").mockImplementation((line: string) => void err.push(line));
  try {
    const code = await main(["--region", "ap-southeast-1", ...args], dependencies);
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

/**
 * `openssl req -verify` of a PEM request: whether the self-signature verified, its subject and
 * public key. OpenSSL 3.0 exits 0 even when the signature does not verify: read what it says.
 */
async function openssl(file: string): Promise<{ ok: boolean; subject: string; publicKey: string }> {
  try {
    const { stdout, stderr } = await run("openssl", [
      "req",
      "-in",
      file,
      "-verify",
      "-noout",
      "-subject",
      "-pubkey",
      "-nameopt",
      "utf8,sep_comma_plus",
    ]);
    const subject = /^subject=(.*)$/m.exec(stdout)?.[1] ?? "";
    const publicKey = /-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----\n/.exec(stdout)?.[0] ?? "";
    return { ok: /self-signature verify OK/.test(stderr), subject, publicKey };
  } catch {
    return { ok: false, subject: "", publicKey: "" };
  }
}

describe("npm run admin:bootstrap --exchange-csr", () => {
  it("writes a request OpenSSL verifies, for the KMS key's public key, with the subject asked for", async () => {
    const { dependencies, signed } = mockKms();
    const file = join(folder.path, "exchange.csr");

    const { code, out, err } = await csr(
      dependencies,
      "--exchange-csr",
      file,
      "--exchange-key",
      "alias/lienthong-evidence",
      "--csr-common-name",
      "Sàn liên thông văn bản tỉnh Thử",
      "--csr-organization",
      "Văn phòng UBND tỉnh Thử",
      "--csr-organ-code",
      "000.00.00.H99",
    );

    expect({ code, err }).toEqual({ code: 0, err: "" });
    expect(out).toContain(`for KMS key ${ARN} written to ${file}`);
    expect(await readFile(file, "utf8")).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----\n/);
    const checked = await openssl(file);
    expect(checked.ok).toBe(true);
    expect(checked.subject).toBe(
      "C=VN,O=Văn phòng UBND tỉnh Thử,organizationIdentifier=000.00.00.H99,CN=Sàn liên thông văn bản tỉnh Thử",
    );
    expect(checked.publicKey).toBe(keyPair.publicKey.export({ type: "spki", format: "pem" }));
    // Signed by the key GetPublicKey named (its ARN), over a digest.
    expect(signed.map((command) => command.input)).toEqual([
      expect.objectContaining({
        KeyId: ARN,
        MessageType: "DIGEST",
        SigningAlgorithm: "RSASSA_PKCS1_V1_5_SHA_256",
      }),
    ]);
    expect(signed[0]!.input.Message).toHaveLength(32);
  });

  it("writes a request OpenSSL refuses when KMS signs with another key (the check above can fail)", async () => {
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const file = join(folder.path, "wrong.csr");

    const { code } = await csr(
      mockKms(other.privateKey).dependencies,
      "--exchange-csr",
      file,
      "--exchange-key",
      ARN,
      "--csr-common-name",
      "Sàn liên thông",
    );

    expect(code).toBe(0);
    expect((await openssl(file)).ok).toBe(false);
  });

  it("refuses missing or conflicting options with its usage", async () => {
    const { dependencies } = mockKms();
    const file = join(folder.path, "never.csr");
    for (const args of [
      ["--exchange-csr", file, "--exchange-key", ARN],
      ["--exchange-csr", file, "--csr-common-name", "X"],
      ["--exchange-csr", file, "--exchange-key", ARN, "--csr-common-name", "X", "--organ", "000.00.00.H99"],
    ]) {
      const { code, err } = await csr(dependencies, ...args);
      expect(code).toBe(2);
      expect(err).toContain("--exchange-csr takes");
    }
    await expect(readFile(file)).rejects.toThrow();
  });

  it("refuses keys other than RSA and P-256", async () => {
    const p384 = generateKeyPairSync("ec", { namedCurve: "P-384" });
    const attempt = createCertificationRequest({
      subject: { commonName: "X" },
      spkiDer: spkiOf(p384),
      signDigest: async () => new Uint8Array(),
    });

    await expect(attempt).rejects.toSatisfy(
      (error: unknown) => isExchangeError(error) && error.code === "VALIDATION_FAILED",
    );
  });
});
