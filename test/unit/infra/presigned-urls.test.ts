import { afterEach, describe, expect, it, vi } from "vitest";

/**
 * functions/runtime-presigned-urls.ts signs the URLs of create-letter, replace-file and get-letter
 * without an S3 client (issue 9: cold starts). Whatever the environment, they must be the URLs the
 * S3 client's store (functions/runtime-documents.ts) would give: same endpoint, region and
 * credentials. Each case loads the compositions afresh, since they read the environment once.
 */

const now = new Date("2026-12-01T03:04:05Z");
const file = { size: 4321, sha256: "cd".repeat(32), contentType: "application/pdf" };

async function bothStores() {
  vi.resetModules();
  const { presignedUrls } = await import("../../../functions/runtime-presigned-urls.ts");
  const { documentStore } = await import("../../../functions/runtime-documents.ts");
  return { light: presignedUrls(), full: documentStore() };
}

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

describe("the presign-only composition", () => {
  it.each([
    [
      "local: both emulators",
      { S3_ENDPOINT: "http://127.0.0.1:4569", DYNAMODB_ENDPOINT: "http://127.0.0.1:8000" },
    ],
    [
      "the S3 emulator alone (its fixed keys, not the table's chain)",
      { S3_ENDPOINT: "http://127.0.0.1:4569" },
    ],
    ["AWS: the default credential chain", {}],
  ])("%s: the same upload and download URLs as the S3 client's store", async (_case, endpoints) => {
    vi.useFakeTimers({ now, toFake: ["Date"] });
    vi.stubEnv("TABLE_NAME", "lienthong");
    vi.stubEnv("BUCKET_NAME", "lienthong-data-0a1b");
    vi.stubEnv("AWS_REGION", "ap-southeast-1");
    vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIDLAMBDAROLE");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "role-secret");
    vi.stubEnv("AWS_SESSION_TOKEN", "role-session");
    vi.stubEnv("S3_ENDPOINT", "");
    vi.stubEnv("DYNAMODB_ENDPOINT", "");
    for (const [name, value] of Object.entries(endpoints)) {
      vi.stubEnv(name, value);
    }
    const { light, full } = await bothStores();

    const upload = await light.presignUpload("incoming/0b7e/letter.pdf", file);
    expect(upload).toEqual(await full.presignUpload("incoming/0b7e/letter.pdf", file));
    expect(await light.presignDownload("letters/0b7e/letter.pdf", "Quyết định 12.pdf")).toEqual(
      await full.presignDownload("letters/0b7e/letter.pdf", "Quyết định 12.pdf"),
    );
    // The check can fail: the credential in the URL is the one the environment gives the S3 client.
    const credential = new URL(upload.url).searchParams.get("X-Amz-Credential");
    expect(credential?.startsWith("S3_ENDPOINT" in endpoints ? "S3RVER/" : "AKIDLAMBDAROLE/")).toBe(true);
  });
});
