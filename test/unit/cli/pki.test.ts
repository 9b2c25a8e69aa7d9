import { access, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { command } from "../../../cli/commands/pki.ts";
import { DEMO_ORGANS } from "../../../devkit/demo-organs.ts";
import type { DemoPkiManifest } from "../../../devkit/pki.ts";
import { parseCertificate } from "../../../shared/pki/certificate.ts";
import { loadPkcs12 } from "../../../shared/pki/keys.ts";
import { runOpenssl } from "../../support/openssl.ts";
import { tempDir } from "../../support/temp-dir.ts";

let dir: string;
let cleanup: () => Promise<void>;

async function run(argv: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    out.push(args.join(" "));
  });
  const error = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
    err.push(args.join(" "));
  });
  try {
    const code = await command.run(argv);
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir("lienthong-pki-"));
});

afterAll(async () => {
  await cleanup?.();
});

describe("lienthong pki init", () => {
  it("writes a demo PKI whose manifest paths exist and whose entries match the certificates", async () => {
    const target = join(dir, "pki");
    const result = await run(["init", "--dir", target, "--password", "mật khẩu demo"]);
    expect(result.err).toBe("");
    expect(result.code).toBe(0);
    expect(result.out).toContain("PKCS#12 password: mật khẩu demo");

    const manifest = JSON.parse(await readFile(join(target, "manifest.json"), "utf8")) as DemoPkiManifest;
    expect(manifest.password).toBe("mật khẩu demo");
    const paths = [
      manifest.root,
      manifest.intermediate,
      manifest.chain,
      ...manifest.crls.map((c) => c.path),
      manifest.tsa.certificate,
      manifest.tsa.key,
      manifest.ocsp.certificate,
      manifest.ocsp.key,
      ...manifest.entries.flatMap((e) => [e.p12, e.certificate]),
    ];
    for (const path of paths) {
      await expect(access(join(target, path))).resolves.toBeUndefined();
      expect(result.out).toContain(path);
    }

    // One organisation and one person per demo organ, plus the revoked person of Sở Tài chính.
    expect(manifest.entries).toHaveLength(DEMO_ORGANS.length * 2 + 1);
    for (const organ of DEMO_ORGANS) {
      const person = manifest.entries.find((e) => e.id === `${organ.code}-person`);
      const organisation = manifest.entries.find((e) => e.id === `${organ.code}-organisation`);
      expect(person?.commonName).toBe(organ.signer.fullName);
      expect(organisation?.commonName).toBe(organ.name);
    }
    expect(manifest.entries.filter((e) => e.revoked).map((e) => e.id)).toEqual([
      "000.00.11.H53-person-revoked",
    ]);

    const root = parseCertificate(await readFile(join(target, manifest.root), "utf8"));
    const intermediate = parseCertificate(await readFile(join(target, manifest.intermediate), "utf8"));
    for (const entry of manifest.entries) {
      const cert = parseCertificate(await readFile(join(target, entry.certificate), "utf8"));
      expect(cert.sha256).toBe(entry.sha256);
      expect(cert.subject.commonName).toBe(entry.commonName);
      expect(cert.subject.organCode).toBe(entry.organCode);
      expect(cert.subject.organization).toBe(entry.organName);
      expect(cert.issuer.text).toBe(intermediate.subject.text);
      const material = loadPkcs12(await readFile(join(target, entry.p12)), manifest.password);
      expect(material.certificate.sha256).toBe(entry.sha256);
      expect(material.chain.map((c) => c.sha256)).toEqual([intermediate.sha256, root.sha256]);
    }

    // The revoked entry is on the intermediate's CRL, and only it.
    const crl = manifest.crls.find((c) => c.issuer === "intermediate");
    const text = runOpenssl([
      "crl",
      "-inform",
      "DER",
      "-in",
      join(target, crl?.path ?? ""),
      "-noout",
      "-text",
    ]).stdout;
    const listed = [...text.matchAll(/Serial Number: ([0-9A-F]+)/g)].map((m) => m[1]?.toLowerCase());
    expect(listed).toEqual(manifest.entries.filter((e) => e.revoked).map((e) => e.serialNumberHex));

    // The p12 files open with OpenSSL 3 without -legacy.
    const p12 = join(target, manifest.entries[0]?.p12 ?? "");
    const opened = runOpenssl(["pkcs12", "-in", p12, "-nodes", "-passin", `pass:${manifest.password}`]);
    expect(opened.status).toBe(0);
    expect(opened.stdout).toContain("BEGIN PRIVATE KEY");
  });

  it("refuses a non-empty directory without --force and overwrites with it", async () => {
    await writeFile(join(dir, "marker"), "x");
    const refused = await run(["init", "--dir", dir]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain("VALIDATION_FAILED");
    expect(refused.err).toContain("--force");
    await expect(access(join(dir, "manifest.json"))).rejects.toThrow();

    const forced = await run(["init", "--dir", dir, "--force"]);
    expect(forced.code).toBe(0);
    expect(forced.out).toContain("PKCS#12 password: lienthong-demo");
    const manifest = JSON.parse(await readFile(join(dir, "manifest.json"), "utf8")) as DemoPkiManifest;
    expect(manifest.password).toBe("lienthong-demo");
    expect(await readFile(join(dir, "marker"), "utf8")).toBe("x");
  });

  it("prints help, and exits 2 on bad arguments with one line giving code and both messages", async () => {
    const help = await run(["init", "--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toContain("--dir <dir>");
    expect((await run(["--help"])).code).toBe(0);
    expect((await run([])).code).toBe(2);

    for (const argv of [["init"], ["init", "--dir"], ["init", "--dir", "x", "--bogus"], ["frobnicate"]]) {
      const result = await run(argv);
      expect(result.code).toBe(2);
      expect(result.err.split("\n")).toHaveLength(1);
      expect(result.err).toContain("VALIDATION_FAILED");
      expect(result.err).toContain("The request is not valid.");
      expect(result.err).toContain("Yêu cầu không hợp lệ.");
    }
    const badUrl = await run(["init", "--dir", join(dir, "u"), "--ocsp-url", "ftp://x"]);
    expect(badUrl.code).toBe(2);
    expect(badUrl.err).toContain("--ocsp-url");
  });
});
