#!/usr/bin/env node
// Checks, before the test suite starts, that the programs it uses as independent oracles and
// emulators are installed, and says how to install the missing ones (Debian/Ubuntu).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

const needs = [
  { command: "java", args: ["-version"], apt: "openjdk-17-jre-headless", why: "DynamoDB Local" },
  { command: "pdfsig", args: ["-v"], apt: "poppler-utils", why: "independent PDF signature check" },
  { command: "pdftotext", args: ["-v"], apt: "poppler-utils", why: "appearance text check" },
  { command: "pdftoppm", args: ["-v"], apt: "poppler-utils", why: "appearance pixel check" },
  { command: "qpdf", args: ["--version"], apt: "qpdf", why: "xref-stream PDFs and structure checks" },
  { command: "certutil", args: ["-H"], apt: "libnss3-tools", why: "trust store for pdfsig", anyExit: true },
  { command: "openssl", args: ["version"], apt: "openssl", why: "CMS, TSA and OCSP oracles" },
  {
    command: "soffice",
    args: ["--version"],
    apt: "libreoffice-writer-nogui",
    why: "LibreOffice PDF fixtures",
  },
];
const files = [
  {
    path: "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
    apt: "fonts-liberation2",
    why: "Vietnamese text in signature appearances",
  },
];

const missing = [];
for (const need of needs) {
  try {
    execFileSync(need.command, need.args, { stdio: "ignore", timeout: 30_000 });
  } catch (error) {
    const notFound = error.code === "ENOENT";
    if (notFound || !need.anyExit) {
      missing.push(need);
    }
  }
}
for (const file of files) {
  if (!existsSync(file.path)) {
    missing.push({ command: file.path, apt: file.apt, why: file.why });
  }
}
if (missing.length > 0) {
  console.error("The test suite needs programs that are not installed:\n");
  for (const need of missing) {
    console.error(`  ${need.command.padEnd(12)} (${need.why}) — Debian package ${need.apt}`);
  }
  const apt = [...new Set(missing.map((need) => need.apt))].join(" ");
  console.error(
    `\nInstall them with:\n  sudo apt-get install --no-install-recommends ${apt}\n(or run .ci/run as root, which does it).`,
  );
  process.exit(1);
}
