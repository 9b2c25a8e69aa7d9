import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import type { DemoOrgan } from "../devkit/demo-organs.ts";
import { type OcspResponder, type OcspStatus, startOcspResponder } from "../devkit/ocsp-responder.ts";
import { createDemoPki, DEFAULT_DEMO_PASSWORD, type DemoPkiManifest, writeDemoPki } from "../devkit/pki.ts";
import { parseCertificate } from "../shared/pki/certificate.ts";
import { parseCrl } from "../shared/pki/crl.ts";

/**
 * The demo organs' PKI, made once per data directory (`lienthong pki init` makes the same):
 * root and intermediate CA, a seal (organisation) and a signer (person) certificate per organ,
 * a TSA and an OCSP responder certificate, and the CAs' CRLs, which `serveCrls` publishes at
 * the URL written into the certificates.
 */
export async function ensureDemoPki(
  dir: string,
  organs: readonly DemoOrgan[],
  urls: { crlBaseUrl: string; ocspUrl: string },
): Promise<DemoPkiManifest> {
  const manifestFile = join(dir, "manifest.json");
  if (existsSync(manifestFile)) {
    return JSON.parse(readFileSync(manifestFile, "utf8")) as DemoPkiManifest;
  }
  const pki = await createDemoPki({ organs, crlBaseUrl: urls.crlBaseUrl, ocspUrl: urls.ocspUrl });
  return writeDemoPki(pki, dir, DEFAULT_DEMO_PASSWORD);
}

/** Serves the CAs' CRLs (DER) over HTTP, as a CA's distribution point would. */
export async function serveCrls(
  dir: string,
  manifest: DemoPkiManifest,
  port: number,
): Promise<{ url: string; close(): Promise<void> }> {
  const files = new Map(manifest.crls.map((crl) => [new URL(crl.url).pathname, join(dir, crl.path)]));
  const server: Server = createServer((req, res) => {
    const path = URL.parse(req.url ?? "/", "http://localhost")?.pathname;
    const file = path ? files.get(path) : undefined;
    if (req.method !== "GET" || !file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/pkix-crl" }).end(readFileSync(file));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * The OCSP responder named in the demo certificates (their authorityInfoAccess): it answers for the
 * issuing CA's certificates, "revoked" as its CRL says, "good" for every other certificate of the
 * PKI directory, "unknown" for serials the CA never issued here.
 */
export async function serveOcsp(
  dir: string,
  manifest: DemoPkiManifest,
  port: number,
): Promise<OcspResponder> {
  const file = (name: string) => readFileSync(join(dir, name), "utf8");
  const crl = manifest.crls.find((entry) => entry.issuer === "intermediate");
  const revoked = crl ? parseCrl(new Uint8Array(readFileSync(join(dir, crl.path)))).revoked : new Map();
  const issued = new Set([
    ...manifest.entries.map((entry) => entry.serialNumberHex),
    parseCertificate(file(manifest.tsa.certificate)).serialNumberHex,
    parseCertificate(file(manifest.ocsp.certificate)).serialNumberHex,
  ]);
  const statusOf = (serial: string): OcspStatus => {
    const entry = revoked.get(serial);
    if (entry) {
      return {
        status: "revoked",
        revokedAt: entry.revocationDate,
        ...(entry.reason ? { reason: entry.reason } : {}),
      };
    }
    return issued.has(serial) ? { status: "good" } : { status: "unknown" };
  };
  return startOcspResponder({
    issuerPem: file(manifest.intermediate),
    responderCertPem: file(manifest.ocsp.certificate),
    responderKeyPem: file(manifest.ocsp.key),
    statusOf,
    port,
  });
}
