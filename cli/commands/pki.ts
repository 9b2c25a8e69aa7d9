/**
 * `lienthong pki init`: writes a demo/test PKI (root CA, issuing CA, organ and person
 * certificates as PKCS#12, a revoked certificate, TSA and OCSP responder keys, CRLs and a
 * manifest) for the demo organs.
 */
import { readdir } from "node:fs/promises";
import { resolve } from "node:path";
import { DEMO_ORGANS } from "../../devkit/demo-organs.ts";
import {
  createDemoPki,
  DEFAULT_CRL_BASE_URL,
  DEFAULT_DEMO_PASSWORD,
  DEFAULT_OCSP_URL,
  writeDemoPki,
} from "../../devkit/pki.ts";
import type { Command } from "../common.ts";
import { fail, parseCommandArgs, runCommand, UsageError } from "../common.ts";

const USAGE = `lienthong pki init — create a demo PKI for the demo organs (NOT for real use)

Usage: lienthong pki init --dir <dir> [--password <pw>] [--force]

Options:
  --dir <dir>           where to write the files (created if missing)
  --password <pw>       password of the PKCS#12 files (default: ${DEFAULT_DEMO_PASSWORD})
  --force               write into a directory that is not empty (files are overwritten)
  --crl-base-url <url>  base URL of the CRLs named in certificates (default: ${DEFAULT_CRL_BASE_URL})
  --ocsp-url <url>      OCSP responder URL named in certificates (default: ${DEFAULT_OCSP_URL})
  -h, --help            show this help

Writes root-ca.pem, intermediate-ca.pem, ca-chain.pem, <organ>-person.p12/.pem,
<organ>-organisation.p12/.pem, one revoked person certificate, tsa.pem/tsa.key.pem,
ocsp.pem/ocsp.key.pem, root-ca.crl, intermediate-ca.crl (DER) and manifest.json.`;

const REVOKED_ORGAN = "000.00.11.H53";

async function isNonEmptyDirectory(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length > 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return false;
    }
    throw error;
  }
}

const OPTIONS = {
  dir: { type: "string" },
  password: { type: "string" },
  force: { type: "boolean" },
  "crl-base-url": { type: "string" },
  "ocsp-url": { type: "string" },
} as const;

async function init(argv: readonly string[]): Promise<number> {
  const args = parseCommandArgs(argv, OPTIONS, USAGE);
  if (!args) {
    return 0;
  }
  const { values, positionals } = args;
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument '${positionals[0]}'`);
  }
  if (!values.dir) {
    throw new UsageError("--dir <dir> is required");
  }
  if (values.password === "") {
    throw new UsageError("--password must not be empty");
  }
  for (const option of ["crl-base-url", "ocsp-url"] as const) {
    const url = values[option];
    if (url !== undefined && !/^https?:\/\/\S+$/.test(url)) {
      throw new UsageError(`--${option} must be an http(s) URL, got "${url}"`);
    }
  }
  const dir = resolve(values.dir);
  if (!values.force && (await isNonEmptyDirectory(dir))) {
    throw new UsageError(`${dir} is not empty; use --force to overwrite files in it`);
  }
  const password = values.password ?? DEFAULT_DEMO_PASSWORD;
  const pki = await createDemoPki({
    organs: DEMO_ORGANS,
    // The revoked demo certificate belongs to Sở Tài chính, as in the test PKI.
    ...(DEMO_ORGANS.some((organ) => organ.code === REVOKED_ORGAN) ? { revokedOrganCode: REVOKED_ORGAN } : {}),
    ...(values["crl-base-url"] === undefined ? {} : { crlBaseUrl: values["crl-base-url"] }),
    ...(values["ocsp-url"] === undefined ? {} : { ocspUrl: values["ocsp-url"] }),
  });
  const manifest = await writeDemoPki(pki, dir, password);

  const lines = [
    `Demo PKI written to ${dir} (for demos and tests only, never for real letters)`,
    `  root CA            ${manifest.root}`,
    `  issuing CA         ${manifest.intermediate}   (chain: ${manifest.chain})`,
    ...manifest.crls.map((crl) => `  CRL (${crl.issuer.padEnd(12)}) ${crl.path}   served at ${crl.url}`),
    `  TSA                ${manifest.tsa.certificate} + ${manifest.tsa.key}`,
    `  OCSP responder     ${manifest.ocsp.certificate} + ${manifest.ocsp.key}   at ${manifest.ocsp.url}`,
    ...manifest.entries.map((entry) => {
      const label = `${entry.role}${entry.revoked ? " (revoked)" : ""}`.padEnd(19);
      const who =
        entry.commonName === entry.organName ? entry.organName : `${entry.commonName} — ${entry.organName}`;
      return `  ${label}${entry.p12} + ${entry.certificate}   ${who}`;
    }),
    `  manifest           manifest.json`,
    `PKCS#12 password: ${password}`,
  ];
  console.log(lines.join("\n"));
  return 0;
}

/** The `pki` command. */
export const command: Command = {
  summary: "create a demo/test PKI (root CA, intermediate, organ and person certificates)",
  async run(argv: readonly string[]): Promise<number> {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === "--help" || sub === "-h" || sub === "help") {
      console.log(USAGE);
      return sub === undefined ? 2 : 0;
    }
    if (sub !== "init") {
      return fail("pki", "VALIDATION_FAILED", `unknown subcommand '${sub}'; expected 'init'`);
    }
    return runCommand("pki", () => init(rest));
  },
};
