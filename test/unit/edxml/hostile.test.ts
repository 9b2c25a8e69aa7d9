/**
 * Hostile XML is refused as a whole, with a stable code, before it can cost anything: no entity is
 * declared, expanded or fetched, sizes are checked before decoding, nesting and node counts are bounded.
 * Memory is measured loosely (heap and buffers before and after); times are in the report, not asserted.
 */
import { describe, expect, it } from "vitest";
import { readEdxml } from "../../../shared/edxml/index.ts";
import { isExchangeError } from "../../../shared/errors/index.ts";
import { syntheticLetter } from "./helpers.ts";

const MB = 1024 * 1024;

function memory(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** The code readEdxml refuses `input` with, and how much memory the attempt grew by. */
function refusal(input: Uint8Array | string): { code: string; growth: number } {
  const before = memory();
  try {
    readEdxml(input);
  } catch (error) {
    const growth = memory() - before;
    if (isExchangeError(error)) {
      return { code: error.code, growth };
    }
    throw error;
  }
  throw new Error("accepted");
}

const LETTER = syntheticLetter({});
/** A package with `declaration` as its document type declaration. */
const withDoctype = (declaration: string, body = "&x;"): string =>
  LETTER.replace("<edXML ", `${declaration}\n<edXML `).replace("V/v thử nghiệm", body);

describe("hostile edXML", () => {
  it("the baseline package is accepted", () => {
    expect(readEdxml(LETTER).package.kind).toBe("letter");
  });

  it("XXE through a file: refused before parsing, nothing read", () => {
    const xml = withDoctype('<!DOCTYPE edXML [<!ENTITY x SYSTEM "file:///etc/passwd">]>');
    expect(refusal(xml).code).toBe("EDXML_DTD_FORBIDDEN");
  });

  it("XXE through http and a parameter entity: refused", () => {
    expect(refusal(withDoctype('<!DOCTYPE edXML [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>')).code).toBe(
      "EDXML_DTD_FORBIDDEN",
    );
    expect(
      refusal(withDoctype('<!DOCTYPE edXML [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]>', "x"))
        .code,
    ).toBe("EDXML_DTD_FORBIDDEN");
    expect(refusal(withDoctype('<!DOCTYPE edXML SYSTEM "http://127.0.0.1:9/edxml.dtd">', "x")).code).toBe(
      "EDXML_DTD_FORBIDDEN",
    );
  });

  it("billion laughs: refused, no expansion", () => {
    const levels = ['<!ENTITY x0 "lol">'];
    for (let level = 1; level <= 9; level += 1) {
      levels.push(`<!ENTITY x${level} "${`&x${level - 1};`.repeat(10)}">`);
    }
    const { code, growth } = refusal(withDoctype(`<!DOCTYPE edXML [${levels.join("")}]>`, "&x9;"));
    expect(code).toBe("EDXML_DTD_FORBIDDEN");
    expect(growth).toBeLessThan(16 * MB);
  });

  it("quadratic blow-up (one 100 kB entity referenced 20,000 times): refused, no expansion", () => {
    const xml = withDoctype(`<!DOCTYPE edXML [<!ENTITY a "${"a".repeat(100_000)}">]>`, "&a;".repeat(20_000));
    const { code, growth } = refusal(xml);
    expect(code).toBe("EDXML_DTD_FORBIDDEN");
    expect(growth).toBeLessThan(16 * MB);
  });

  it("a lower-case doctype, and an entity declaration hidden after a comment, are refused too", () => {
    expect(refusal(withDoctype("<!doctype edXML>", "x")).code).toBe("EDXML_DTD_FORBIDDEN");
    expect(refusal(LETTER.replace("V/v thử nghiệm", '<!-- --><!ENTITY y "z">')).code).toBe(
      "EDXML_DTD_FORBIDDEN",
    );
  });

  it("a reference to an undeclared entity (external entity without a DTD) is refused", () => {
    expect(refusal(LETTER.replace("V/v thử nghiệm", "&xxe;")).code).toBe("EDXML_ENTITY_FORBIDDEN");
  });

  it("a 50 MB base64 attachment: refused on its size before anything is decoded", () => {
    const base64 = "QUJD".repeat(12_500_000);
    const bytes = new TextEncoder().encode(syntheticLetter({ attachments: [{ name: "big.pdf", base64 }] }));
    expect(bytes.byteLength).toBeGreaterThan(50_000_000);
    const { code, growth } = refusal(bytes);
    expect(code).toBe("EDXML_TOO_LARGE");
    expect(growth).toBeLessThan(8 * MB);
  });

  it("10,000-deep nesting: refused with its own code", () => {
    const deep = `${"<a>".repeat(10_000)}x${"</a>".repeat(10_000)}`;
    const { code, growth } = refusal(LETTER.replace("V/v thử nghiệm", deep));
    expect(code).toBe("EDXML_TOO_DEEP");
    expect(growth).toBeLessThan(64 * MB);
  });

  it("too many nodes, and a long text outside the attachments, are refused before parsing", () => {
    expect(refusal(LETTER.replace("V/v thử nghiệm", "<b/>".repeat(60_000))).code).toBe(
      "EDXML_TOO_MANY_NODES",
    );
    const { code, growth } = refusal(LETTER.replace("V/v thử nghiệm", "x".repeat(2 * MB)));
    expect(code).toBe("EDXML_TOO_LARGE");
    expect(growth).toBeLessThan(32 * MB);
  });

  it("a zip bomb (an entry declaring 1 GiB) is refused before it is inflated", async () => {
    const { zipSync } = await import("fflate");
    const zip = zipSync({ "a.pdf": new Uint8Array(1024) });
    // Patch the central directory's uncompressed size to 1 GiB (the local header is not read).
    const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
    let central = zip.byteLength - 4;
    while (central > 0 && view.getUint32(central, true) !== 0x02014b50) {
      central -= 1;
    }
    view.setUint32(central + 24, 1024 * MB, true);
    const base64 = Buffer.from(zip).toString("base64");
    const xml = syntheticLetter({
      attachments: [{ name: "a.pdf", attachmentType: "application/zip", base64 }],
    });
    const { code, growth } = refusal(xml);
    expect(code).toBe("EDXML_ATTACHMENT_TOO_LARGE");
    expect(growth).toBeLessThan(16 * MB);
  });

  it("malformed XML, control characters, other encodings, other roots: refused with their codes", () => {
    expect(refusal(LETTER.replace("</edXMLEnvelope>", "")).code).toBe("EDXML_MALFORMED");
    expect(refusal(LETTER.replace("V/v", "V/v\u0001")).code).toBe("EDXML_MALFORMED");
    expect(refusal(LETTER.replace('encoding="UTF-8"', 'encoding="windows-1258"')).code).toBe(
      "EDXML_MALFORMED",
    );
    expect(refusal(new Uint8Array([0x3c, 0x61, 0x3e, 0xff, 0xfe, 0x3c, 0x2f, 0x61, 0x3e])).code).toBe(
      "EDXML_MALFORMED",
    );
    expect(refusal(LETTER.replace("V/v thử nghiệm", "A & B")).code).toBe("EDXML_MALFORMED");
    expect(refusal(`${LETTER}<edXML/>`).code).toBe("EDXML_MALFORMED");
    expect(refusal('<?xml version="1.0"?><html><body/></html>').code).toBe("EDXML_NOT_EDXML");
    expect(refusal(LETTER.replace(/<From>.*?<\/From>/, "")).code).toBe("EDXML_NOT_EDXML");
    expect(refusal(LETTER.replace('<edXML xmlns="', '<edXML __proto__="1" xmlns="')).code).toBe(
      "EDXML_MALFORMED",
    );
  });

  it("an XInclude or xml-stylesheet is never followed: the element is kept as data", () => {
    const xml = LETTER.replace(
      "</MessageHeader>",
      '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd"/></MessageHeader>',
    ).replace("<edXML ", '<?xml-stylesheet href="http://127.0.0.1:9/x.xsl"?><edXML ');
    const { package: pkg } = readEdxml(xml);
    const kept = pkg.extra.find((part) => "element" in part && part.element.name === "include");
    expect(kept).toMatchObject({ element: { ns: "http://www.w3.org/2001/XInclude", children: [] } });
  });
});
