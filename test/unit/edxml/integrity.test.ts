/**
 * What an import may not lose or pay for: a zip that lies about its size is refused after a bounded
 * number of inflated bytes (counted, not timed); an attachment or manifest entry that cannot be read
 * refuses a strict read (the bridge's) instead of leaving the attachment out.
 */
import fc from "fast-check";
import { Deflate, zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { MAX_ZIP_RATIO, unwrapAttachment, zipStats } from "../../../shared/edxml/attachments.ts";
import { readEdxml } from "../../../shared/edxml/index.ts";
import { isExchangeError } from "../../../shared/errors/index.ts";
import { syntheticLetter } from "./helpers.ts";

const MB = 1024 * 1024;
/** DEFLATE's ceiling (~1032:1) times the 4 KiB the reader feeds the inflater at a time. */
const ONE_CHUNK = 1032 * 4096;

/** `real` zero bytes deflated as a stream (never held whole), in a one-entry zip declaring `declared`. */
function bomb(name: string, real: number, declared: number): Uint8Array {
  const parts: Uint8Array[] = [];
  const deflate = new Deflate({ level: 9 }, (chunk) => parts.push(chunk));
  const zeros = new Uint8Array(MB);
  for (let left = real; left > 0; left -= MB) {
    deflate.push(left > MB ? zeros : zeros.subarray(0, left), left <= MB);
  }
  const data = Buffer.concat(parts);
  const file = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8); // deflate
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(declared, 22);
  local.writeUInt16LE(file.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(declared, 24);
  central.writeUInt16LE(file.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + file.length, 12);
  end.writeUInt32LE(30 + file.length + data.length, 16);
  return new Uint8Array(Buffer.concat([local, file, data, central, file, end]));
}

function refusalOf(bytes: Uint8Array, maxInflated = 64 * MB): string {
  try {
    unwrapAttachment({
      name: "l.pdf",
      manifestType: undefined,
      attachmentType: "application/zip",
      bytes,
      maxInflated,
    });
  } catch (error) {
    if (isExchangeError(error)) {
      return error.code;
    }
    throw error;
  }
  return "accepted";
}

describe("zipped attachments are inflated as a stream, within bounds", () => {
  it("a zip declaring 2,000 bytes that inflates to 256 MiB is refused after at most one chunk past 2,000 bytes", () => {
    const zip = bomb("l.pdf", 256 * MB, 2000);
    expect(refusalOf(zip)).toBe("EDXML_ATTACHMENT_TOO_LARGE");
    expect(zipStats.inflated).toBeGreaterThan(2000);
    expect(zipStats.inflated).toBeLessThanOrEqual(2000 + ONE_CHUNK);
  });

  it("an honest declaration within the budget but past the ratio cap is refused near the cap", () => {
    const zip = bomb("l.pdf", 48 * MB, 48 * MB);
    const cap = Math.max(MB, MAX_ZIP_RATIO * zip.byteLength);
    expect(cap).toBeLessThan(48 * MB);
    expect(refusalOf(zip)).toBe("EDXML_ATTACHMENT_TOO_LARGE");
    expect(zipStats.inflated).toBeLessThanOrEqual(cap + ONE_CHUNK);
  });

  it("an honest declaration past the package's budget is refused before anything is inflated", () => {
    expect(refusalOf(bomb("l.pdf", 4 * MB, 4 * MB), 2 * MB)).toBe("EDXML_ATTACHMENT_TOO_LARGE");
    expect(zipStats.inflated).toBe(0);
  });

  it("a zip within every bound is unwrapped to its exact bytes (property)", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 20_000 }),
        fc.integer({ min: 0, max: 9 }),
        (bytes, level) => {
          const zip = zipSync({ "l.pdf": bytes }, { level: level as 0 });
          const out = unwrapAttachment({
            name: "l.pdf",
            manifestType: "application/pdf",
            attachmentType: "application/zip",
            bytes: zip,
            maxInflated: 64 * MB,
          });
          expect(out.transfer).toBe("zip");
          expect(Buffer.compare(Buffer.from(out.bytes), Buffer.from(bytes))).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });
});

type Damage = "none" | "short" | "not-base64" | "empty" | "no-name" | "manifest-only";

const ESCAPE = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;");

/** A package whose attachments are `files`, each damaged as its `damage` says. */
function damagedPackage(files: readonly { name: string; bytes: Uint8Array; damage: Damage }[]): string {
  const e = (name: string, content: string) => `<${name}>${content}</${name}>`;
  const manifest = files
    .map((f, i) =>
      e(
        "Reference",
        e("ContentId", `c${i}`) + (f.damage === "no-name" ? "" : e("AttachmentName", ESCAPE(f.name))),
      ),
    )
    .join("");
  const encoded = files
    .filter((f) => f.damage !== "manifest-only")
    .map((f) => {
      const i = files.indexOf(f);
      const base64 = Buffer.from(f.bytes).toString("base64");
      const content =
        f.damage === "short"
          ? base64.slice(0, -1)
          : f.damage === "not-base64"
            ? `${base64.slice(0, 4)}*${base64.slice(5)}`
            : f.damage === "empty"
              ? ""
              : base64;
      return e(
        "Attachment",
        e("ContentId", `c${i}`) +
          (f.damage === "no-name" ? "" : e("AttachmentName", ESCAPE(f.name))) +
          e("ContentType", "application/pdf") +
          e("ContentTransferEncoded", content),
      );
    })
    .join("");
  return syntheticLetter({ manifest, attachments: [] }).replace(
    "</edXML>",
    `<AttachmentEncoded>${encoded}</AttachmentEncoded></edXML>`,
  );
}

describe("a strict read delivers every listed attachment intact, or refuses", () => {
  const file = fc.record({
    name: fc.stringMatching(/^[a-z0-9_-]{1,12}$/).map((base) => `${base}.pdf`),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 400 }),
    damage: fc.constantFrom<Damage>(
      "none",
      "none",
      "none",
      "short",
      "not-base64",
      "empty",
      "no-name",
      "manifest-only",
    ),
  });

  it("over generated packages with damaged attachments: never fewer (property)", () => {
    fc.assert(
      fc.property(fc.uniqueArray(file, { minLength: 1, maxLength: 5, selector: (f) => f.name }), (files) => {
        const xml = damagedPackage(files);
        const damaged = files.filter((f) => f.damage !== "none");
        let read: ReturnType<typeof readEdxml> | undefined;
        try {
          read = readEdxml(xml, { refuseUnreadableAttachments: true });
        } catch (error) {
          expect(isExchangeError(error, "EDXML_ATTACHMENT_UNREADABLE"), String(error)).toBe(true);
          expect(damaged.length).toBeGreaterThan(0);
          return;
        }
        expect(damaged).toEqual([]);
        const pkg = read.package;
        expect(pkg.kind).toBe("letter");
        if (pkg.kind === "letter") {
          expect(pkg.attachments.map((a) => [a.name, Buffer.from(a.bytes).toString("hex")])).toEqual(
            files.map((f) => [f.name, Buffer.from(f.bytes).toString("hex")]),
          );
        }
      }),
      { numRuns: 200 },
    );
  });

  it("the refusal names the attachment; a lenient read (display) still warns instead", () => {
    const files = [
      { name: "cong-van.pdf", bytes: new Uint8Array([1, 2, 3, 4]), damage: "none" as const },
      { name: "phu-luc.pdf", bytes: new Uint8Array([5, 6, 7, 8, 9]), damage: "short" as const },
    ];
    const xml = damagedPackage(files);
    try {
      readEdxml(xml, { refuseUnreadableAttachments: true });
      expect.unreachable();
    } catch (error) {
      expect(isExchangeError(error, "EDXML_ATTACHMENT_UNREADABLE")).toBe(true);
      expect((error as { meta?: { attachment?: string } }).meta?.attachment).toBe("phu-luc.pdf");
    }
    const lenient = readEdxml(xml);
    expect(lenient.warnings.map((w) => w.code)).toContain("EDXML_ATTACHMENT_UNREADABLE");
  });
});
