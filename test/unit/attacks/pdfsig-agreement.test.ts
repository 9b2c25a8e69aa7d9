/**
 * Agreement with poppler's `pdfsig` (22.12, NSS database trusting the test root) on the
 * cryptographic validity of every signature of the attack corpus and the good letters.
 *
 * Per signature (matched by field name), pdfsig's verdict is "valid" for "Signature is Valid.",
 * "invalid" for "Digest Mismatch." or "Signature is Invalid.", none otherwise ("Signature has not
 * yet been verified.", "Unknown Validation Failure.", no signature value). Ours is "valid" when
 * both the message-digest and signature-value checks passed, "invalid" when either failed, none
 * when they did not run (e.g. the byte-range rules refused the signature first). Where both give a
 * verdict, they must agree.
 *
 * pdfsig checks the digest over the /ByteRange and the signature value, and nothing about what was
 * appended or redefined after signing ("Not total document signed" is all it says). So on the
 * attacks below it reports every signature as "Signature is Valid." while Lienthong rejects the
 * letter (modification "other", byte-range rules or trust). The test asserts that pdfsig accepts
 * exactly this list, and that we reject every one of them:
 *
 * | attack (label)                              | class                         | why we reject                               |
 * |---------------------------------------------|-------------------------------|---------------------------------------------|
 * | isa-new-content                             | incremental saving            | page changed after signing                  |
 * | isa-new-content-counter-signed              | incremental saving            | page changed after both signatures          |
 * | isa-new-content-xref-stream                 | incremental saving            | page changed after signing                  |
 * | isa-no-xref-no-trailer                      | incremental saving            | data after the last %%EOF                   |
 * | isa-junk-after-eof                          | incremental saving            | data after the last %%EOF                   |
 * | swa-object-in-gap                           | signature wrapping            | gap ≠ /Contents; object outside revision    |
 * | shadow-hide-overlay (+ certified-p2-)       | shadow hide                   | optional content configuration changed      |
 * | shadow-replace-form-value (+ certified-p2-) | shadow replace                | signed form value changed                   |
 * | shadow-replace-form-appearance (+ c.-p2-)   | shadow replace                | signed field's appearance changed           |
 * | shadow-replace-font (+ certified-p2-)       | shadow replace                | font object redefined                       |
 * | shadow-replace-shared-object (+ c.-p2-)     | shadow replace                | shared XObject redefined                    |
 * | shadow-hide-and-replace (+ certified-p2-)   | shadow hide-and-replace       | page content stream redefined               |
 * | evil-annotation-* (4)                       | evil annotation               | annotation added after signing              |
 * | docmdp-p1-signed-after                      | sneaky signature              | certified /P 1 allows no new signature      |
 * | docmdp-p1-form-filled                       | shadow replace                | certified /P 1 allows no form filling       |
 * | sneaky-signature-unsigned-p2                | sneaky signature              | unsigned signature field added              |
 * | sneaky-signature-untrusted-p2               | sneaky signature              | attacker's certificate is not trusted       |
 * | spoof-* (6)                                 | signature-dictionary spoofing | dictionary redefined / hidden duplicate     |
 *
 * Everything else pdfsig also refuses (digest mismatch, no or unparsable signature).
 */
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ValidationOptions } from "../../../shared/verification/options.ts";
import type { SignatureReport, ValidationReport } from "../../../shared/verification/report.ts";
import { validatePdf } from "../../../shared/verification/validate-pdf.ts";
import {
  type Attack,
  buildAttackBases,
  buildAttackCorpus,
  corpusSigners,
  type GoodLetter,
  goodLetters,
  libreOfficeLetter,
} from "../../support/attacks.ts";
import { makeNssDb, tempDir } from "../../support/pdf.ts";
import { testPki } from "../../support/pki.ts";

const run = promisify(execFile);

/** The attacks on which pdfsig finds every signature cryptographically valid (see the table above). */
const PDFSIG_ACCEPTS: readonly string[] = [
  "certified-p2-shadow-hide-and-replace",
  "certified-p2-shadow-hide-overlay",
  "certified-p2-shadow-replace-font",
  "certified-p2-shadow-replace-form-appearance",
  "certified-p2-shadow-replace-form-value",
  "certified-p2-shadow-replace-shared-object",
  "docmdp-p1-form-filled",
  "docmdp-p1-signed-after",
  "evil-annotation-freetext-approval",
  "evil-annotation-freetext-p2",
  "evil-annotation-freetext-p3",
  "evil-annotation-stamp-p3",
  "isa-junk-after-eof",
  "isa-new-content",
  "isa-new-content-counter-signed",
  "isa-new-content-xref-stream",
  "isa-no-xref-no-trailer",
  "shadow-hide-and-replace",
  "shadow-hide-overlay",
  "shadow-replace-font",
  "shadow-replace-form-appearance",
  "shadow-replace-form-value",
  "shadow-replace-shared-object",
  "sneaky-signature-unsigned-p2",
  "sneaky-signature-untrusted-p2",
  "spoof-duplicate-unreferenced",
  "spoof-name",
  "spoof-reason",
  "spoof-reason-first-of-two",
  "spoof-signing-time",
  "spoof-subfilter",
  "swa-object-in-gap",
];

type CryptoVerdict = "valid" | "invalid" | undefined;

interface Judged {
  readonly label: string;
  readonly report: ValidationReport;
  /** Field name → pdfsig's verdict (fields pdfsig lists without a validation line are absent). */
  readonly pdfsig: ReadonlyMap<string, CryptoVerdict>;
  readonly pdfsigText: string;
}

/** Parses pdfsig's text per "Signature #n:" block. */
function parsePdfsig(stdout: string): Map<string, CryptoVerdict> {
  const verdicts = new Map<string, CryptoVerdict>();
  for (const block of stdout.split(/^Signature #\d+:/m).slice(1)) {
    const field = /Signature Field Name: (.*)/.exec(block)?.[1]?.trim();
    const validation = /Signature Validation: (.*)/.exec(block)?.[1]?.trim();
    if (field === undefined || validation === undefined) {
      continue;
    }
    verdicts.set(
      field,
      validation === "Signature is Valid."
        ? "valid"
        : validation === "Digest Mismatch." || validation === "Signature is Invalid."
          ? "invalid"
          : undefined,
    );
  }
  return verdicts;
}

function ourVerdict(signature: SignatureReport): CryptoVerdict {
  const status = (name: string): string | undefined =>
    signature.checks.find((check) => check.name === name)?.status;
  const digest = status("message-digest");
  const value = status("signature-value");
  if (digest === "failed" || value === "failed") {
    return "invalid";
  }
  return digest === "passed" && value === "passed" ? "valid" : undefined;
}

let judged: Judged[];
let attacks: Attack[];
let good: GoodLetter[];
let cleanup: () => Promise<void>;

beforeAll(async () => {
  // Prepare: corpus, good letters, an NSS database trusting the test root with both CAs' CRLs.
  const pki = await testPki();
  const bases = await buildAttackBases(await corpusSigners(pki));
  attacks = await buildAttackCorpus(bases);
  good = await goodLetters(bases, await libreOfficeLetter());
  const temp = await tempDir("lienthong-pdfsig-");
  cleanup = temp.cleanup;
  const nss = await makeNssDb(temp.dir, pki.root.certPem, pki.intermediate.certPem, [
    pki.rootCrl,
    pki.intermediateCrl,
  ]);
  const options: ValidationOptions = {
    trustAnchors: [pki.root.certificate],
    crls: [pki.rootCrl, pki.intermediateCrl],
    offline: true,
  };
  // Act: both verifiers on every file.
  judged = [];
  for (const { label, bytes, changePolicy } of [...good, ...attacks] as {
    label: string;
    bytes: Uint8Array;
    changePolicy?: "form-filling";
  }[]) {
    const path = join(temp.dir, `${label}.pdf`);
    await writeFile(path, bytes);
    // pdfsig exits 0 even for broken signatures (2 when none): its text is the verdict.
    const { stdout } = await run("pdfsig", ["-nssdir", nss, path]).catch((error: { stdout?: string }) => ({
      stdout: String(error.stdout ?? ""),
    }));
    judged.push({
      label,
      report: await validatePdf(bytes, changePolicy ? { ...options, changePolicy } : options),
      pdfsig: parsePdfsig(stdout),
      pdfsigText: stdout,
    });
  }
}, 180_000);

afterAll(async () => {
  await cleanup?.();
});

describe("agreement with pdfsig on cryptographic validity", () => {
  it("where both give a verdict for a signature, they agree", () => {
    let compared = 0;
    const disagreements: string[] = [];
    for (const { label, report, pdfsig } of judged) {
      for (const signature of report.signatures) {
        const theirs = signature.fieldName ? pdfsig.get(signature.fieldName) : undefined;
        const ours = ourVerdict(signature);
        if (theirs === undefined || ours === undefined) {
          continue;
        }
        compared++;
        if (theirs !== ours) {
          disagreements.push(`${label} ${signature.fieldName}: pdfsig ${theirs}, ours ${ours}`);
        }
      }
    }
    expect(disagreements).toEqual([]);
    expect(compared).toBeGreaterThan(good.length + attacks.length / 2);
  });

  it("both find both kinds: valid and invalid signatures are among the compared ones", () => {
    const verdicts = judged.flatMap(({ report }) => report.signatures.map(ourVerdict));
    expect(verdicts).toContain("valid");
    expect(verdicts).toContain("invalid");
    expect(judged.some(({ pdfsig }) => [...pdfsig.values()].includes("invalid"))).toBe(true);
  });

  it("every signature of every good letter is valid for pdfsig, and the letter TOTAL_PASSED for us", () => {
    for (const letter of good) {
      const entry = judged.find((j) => j.label === letter.label)!;
      expect([...entry.pdfsig.values()], `${letter.label}\n${entry.pdfsigText}`).toEqual(
        new Array(letter.signatures).fill("valid"),
      );
      expect(entry.report.verdict, letter.label).toBe("TOTAL_PASSED");
    }
  });
});

describe("stricter than pdfsig on modification attacks", () => {
  const accepted = (): string[] =>
    judged
      .filter(({ label }) => attacks.some((attack) => attack.label === label))
      .filter(({ pdfsig }) => pdfsig.size > 0 && [...pdfsig.values()].every((verdict) => verdict === "valid"))
      .map(({ label }) => label)
      .sort();

  it("pdfsig finds every signature valid on exactly the attacks of the table", () => {
    expect(accepted()).toEqual([...PDFSIG_ACCEPTS].sort());
  });

  it.each(PDFSIG_ACCEPTS.map((label) => [label]))("we reject %s", (label) => {
    const entry = judged.find((j) => j.label === label)!;
    expect(entry.report.verdict).not.toBe("TOTAL_PASSED");
  });
});
