/**
 * The KMS GetPublicKey adapter (cli/kms-key.ts) against a mock of the KMS client (AWS KMS
 * has no local emulator): the command it sends, what it returns, and how it refuses.
 */
import { GetPublicKeyCommand } from "@aws-sdk/client-kms";
import { describe, expect, it } from "vitest";
import { type KmsPublicKeyClient, kmsPublicKey } from "../../../cli/kms-key.ts";
import { isExchangeError } from "../../../shared/errors/index.ts";

const ARN = "arn:aws:kms:ap-southeast-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const SPKI = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]);

/** A client answering every command with `answer`, recording the commands. */
function mockClient(answer: () => Awaited<ReturnType<KmsPublicKeyClient["send"]>>) {
  const commands: GetPublicKeyCommand[] = [];
  const client: KmsPublicKeyClient = {
    send: async (command) => {
      commands.push(command);
      return answer();
    },
  };
  return { client, commands };
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "accepted";
  } catch (error) {
    return isExchangeError(error) ? `${error.code}: ${error.detail}` : `thrown: ${String(error)}`;
  }
}

describe("kmsPublicKey", () => {
  it("sends GetPublicKey for the key asked for and returns its ARN and SubjectPublicKeyInfo", async () => {
    const { client, commands } = mockClient(() => ({
      KeyId: ARN,
      PublicKey: SPKI,
      KeyUsage: "SIGN_VERIFY",
      KeySpec: "RSA_2048",
    }));

    const key = await kmsPublicKey(client, "alias/lienthong-evidence");

    expect(commands).toHaveLength(1);
    expect(commands[0]).toBeInstanceOf(GetPublicKeyCommand);
    expect(commands[0]!.input).toEqual({ KeyId: "alias/lienthong-evidence" });
    expect(key).toEqual({ keyArn: ARN, spkiDer: SPKI, keySpec: "RSA_2048" });
  });

  it("refuses a key that does not sign", async () => {
    const { client } = mockClient(() => ({ KeyId: ARN, PublicKey: SPKI, KeyUsage: "ENCRYPT_DECRYPT" }));

    expect(await refusal(kmsPublicKey(client, ARN))).toBe(
      `VALIDATION_FAILED: KMS key ${ARN} is not a signing key (KeyUsage ENCRYPT_DECRYPT)`,
    );
  });

  it("turns a KMS error into SIGNER_FAILED naming the key and the error, not its message", async () => {
    const { client } = mockClient(() => {
      const error = new Error("User: arn:aws:sts::… is not authorized");
      error.name = "AccessDeniedException";
      throw error;
    });

    expect(await refusal(kmsPublicKey(client, ARN))).toBe(
      `SIGNER_FAILED: KMS GetPublicKey of ${ARN} failed: AccessDeniedException`,
    );
  });

  it("refuses an answer without a public key", async () => {
    const { client } = mockClient(() => ({ KeyId: ARN, KeyUsage: "SIGN_VERIFY" }));

    expect(await refusal(kmsPublicKey(client, ARN))).toMatch(/^SIGNER_FAILED: .*no public key/);
  });
});
