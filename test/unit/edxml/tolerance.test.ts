/**
 * What real producers send is read, not refused: both date forms, missing and empty elements, any
 * namespace prefix (or none), attachments with or without a zip wrapper, UUID DocumentIds, organ ids of
 * any shape. What cannot be trusted is flagged with a warning code, never guessed.
 */
import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import {
  BUSINESS_TYPES,
  businessTypeCode,
  type EdxmlLetter,
  type EdxmlStatusPackage,
  parseDocumentId,
  readEdxml,
  STATUS_BY_CODE,
  statusCode,
  writeEdxml,
} from "../../../shared/edxml/index.ts";
import { isExchangeError } from "../../../shared/errors/index.ts";
import { testPki } from "../../support/pki.ts";
import { syntheticLetter } from "./helpers.ts";

const e = (name: string, content: string): string => `<${name}>${content}</${name}>`;
const FROM = e("From", e("OrganId", "000.00.00.G22"));
const TO = e("To", e("OrganId", "000.00.11.H53"));
const CODE = e("Code", e("CodeNumber", "12") + e("CodeNotation", "VPCP-TTĐT"));

function letter(xml: string): { letter: EdxmlLetter; codes: string[]; warnings: string[] } {
  const { package: pkg, warnings } = readEdxml(xml);
  expect(pkg.kind).toBe("letter");
  return {
    letter: pkg as EdxmlLetter,
    codes: warnings.map((w) => w.code),
    warnings: warnings.map((w) => `${w.code}: ${w.detail}`),
  };
}

const PDF = new TextEncoder().encode("%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n");
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");

describe("edXML as producers send it", () => {
  it("reads dates as yyyy/MM/dd and dd/MM/yyyy; flags and keeps one that is neither", () => {
    const header =
      FROM +
      TO +
      CODE +
      e("PromulgationInfo", e("PromulgationDate", "30/10/2020")) +
      e("Subject", "x") +
      e("DueDate", "2020/11/05");
    expect(letter(syntheticLetter({ header })).letter).toMatchObject({
      promulgation: { date: "2020-10-30" },
      dueDate: "2020-11-05",
    });
    const bad = letter(syntheticLetter({ header: header.replace("2020/11/05", "31/02/2020") }));
    expect(bad.letter.dueDate).toBeUndefined();
    expect(bad.codes).toContain("EDXML_DATE_UNREADABLE");
    const kept = bad.letter.extra.find((part) => "element" in part && part.element.name === "DueDate");
    expect(kept).toMatchObject({
      at: "edXML/edXMLEnvelope/edXMLHeader/MessageHeader",
      element: { children: [{ text: "31/02/2020" }] },
    });
  });

  it("tolerates missing optional and empty elements, and names the missing ones the exchange needs", () => {
    const header = `${FROM}<To><OrganId>000.00.11.H53</OrganId><OrganName/></To><Code><CodeNumber>7</CodeNumber><CodeNotation/></Code><Content/><SignerInfo/><ToPlaces></ToPlaces>`;
    const { letter: read, warnings } = letter(syntheticLetter({ header }));
    expect(read.to).toEqual([{ id: "000.00.11.H53" }]);
    expect(read.code).toEqual({ number: "7" });
    expect(read.content).toBeUndefined();
    expect(read.subject).toBeUndefined();
    expect(read.signer).toEqual({});
    expect(read.toPlaces).toEqual([]);
    expect(read.documentType).toEqual({});
    expect(read.business).toBeUndefined();
    expect(warnings).toEqual([
      "EDXML_FIELD_MISSING: MessageHeader/Code/CodeNotation",
      "EDXML_FIELD_MISSING: MessageHeader/PromulgationInfo/PromulgationDate",
      "EDXML_FIELD_MISSING: MessageHeader/Subject",
    ]);
  });

  it("reads the same letter whatever the namespace prefix, or with no namespace at all", () => {
    const reference = letter(syntheticLetter({ p: "" })).letter;
    expect(reference.code).toEqual({ number: "12", notation: "VPCP-TTĐT" });
    for (const p of ["edXML", "ns2", "q"]) {
      expect(letter(syntheticLetter({ p })).letter).toEqual(reference);
    }
    const none = syntheticLetter({}).replace(' xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"', "");
    expect(letter(none).letter).toEqual(reference);
    // Mixed: the root with a default namespace, the envelope prefixed (as in the published samples).
    const mixed = syntheticLetter({})
      .replace("<edXMLEnvelope>", '<e:edXMLEnvelope xmlns:e="http://www.mic.gov.vn/TBT/QCVN_102_2016">')
      .replace("</edXMLEnvelope>", "</e:edXMLEnvelope>");
    expect(letter(mixed).letter).toEqual(reference);
  });

  it("does not read an element of another namespace as an edXML field (it is kept)", () => {
    const header = `${FROM}${TO}${CODE}<x:Subject xmlns:x="urn:other">not ours</x:Subject>`;
    const read = letter(syntheticLetter({ header })).letter;
    expect(read.subject).toBeUndefined();
    expect(read.extra).toContainEqual({
      at: "edXML/edXMLEnvelope/edXMLHeader/MessageHeader",
      element: { name: "Subject", ns: "urn:other", attributes: [], children: [{ text: "not ours" }] },
    });
  });

  it("decodes the XML entities and character references, and writes them back escaped", () => {
    const header = `${FROM}${TO}${CODE}<Subject>Sở &amp; Ban &lt;2&gt; &#x1EA1;&#7841; &quot;q&quot;</Subject>`;
    const read = letter(syntheticLetter({ header })).letter;
    expect(read.subject).toBe('Sở & Ban <2> ạạ "q"');
    expect(letter(writeEdxml(read)).letter.subject).toBe(read.subject);
  });

  it("keeps UUID and composite DocumentIds as sent, and organ ids of any shape", () => {
    const header = `<From><OrganId>00.53.W00</OrganId></From><To><OrganId>tenant-42</OrganId></To><DocumentId>6f1c2a9e-3b7d-4e0a-9a51-0c2d3e4f5a6b</DocumentId>${CODE}`;
    const read = letter(syntheticLetter({ header })).letter;
    expect(read.from.id).toBe("00.53.W00");
    expect(read.to.map((o) => o.id)).toEqual(["tenant-42"]);
    expect(read.documentId).toBe("6f1c2a9e-3b7d-4e0a-9a51-0c2d3e4f5a6b");
    expect(parseDocumentId(read.documentId!)).toBeUndefined();
    expect(parseDocumentId("000.00.00.G22,2015/09/30,7816/VPCP-TTĐT")).toEqual({
      organId: "000.00.00.G22",
      date: "2015/09/30",
      code: "7816/VPCP-TTĐT",
    });
  });

  it("reads CRLF, a byte-order mark and leading blank lines", () => {
    const xml = `\uFEFF\r\n\r\n${syntheticLetter({}).replaceAll("><", ">\r\n<")}`;
    const read = letter(xml);
    expect(read.letter.code.number).toBe("12");
    expect(read.codes).toEqual([]);
  });
});

describe("attachments", () => {
  it("plain base64: the bytes, name and type as declared", () => {
    const read = letter(syntheticLetter({ attachments: [{ name: "QD-12.pdf", base64: b64(PDF) }] }));
    expect(read.codes).toEqual([]);
    expect(read.letter.attachments).toEqual([
      {
        contentId: "cid:0",
        name: "QD-12.pdf",
        contentType: "application/pdf",
        transfer: "base64",
        bytes: PDF,
      },
    ]);
  });

  it("base64 with line breaks is read", () => {
    const wrapped = b64(PDF).replace(/(.{16})/g, "$1\r\n");
    expect(
      letter(syntheticLetter({ attachments: [{ name: "a.pdf", base64: wrapped }] })).letter.attachments[0]!
        .bytes,
    ).toEqual(PDF);
  });

  it("a zip wrapper (part labelled application/zip, manifest the real type) is unwrapped: the real file", () => {
    const base64 = b64(zipSync({ "QD-12.pdf": PDF }));
    const read = letter(
      syntheticLetter({
        attachments: [
          { name: "QD-12.pdf", manifestType: "application/pdf", attachmentType: "application/zip", base64 },
        ],
      }),
    );
    expect(read.codes).toEqual([]);
    expect(read.letter.attachments).toEqual([
      {
        contentId: "cid:0",
        name: "QD-12.pdf",
        contentType: "application/pdf",
        transfer: "zip",
        zipEntry: "QD-12.pdf",
        bytes: PDF,
      },
    ]);
  });

  it("a zip wrapper labelled zip on both sides: unwrapped, the type from the name once the content agrees", () => {
    const base64 = b64(zipSync({ "QD-12.pdf": PDF }));
    const read = letter(
      syntheticLetter({ attachments: [{ name: "QD-12.pdf", manifestType: "application/zip", base64 }] }),
    );
    expect(read.letter.attachments[0]).toMatchObject({
      contentType: "application/pdf",
      transfer: "zip",
      bytes: PDF,
    });
  });

  it("flags, never guesses: a zip holding another kind of file, or several files, is kept as it came", () => {
    const wrongContent = zipSync({ "QD-12.pdf": PNG });
    const several = zipSync({ "QD-12.pdf": PDF, "other.pdf": PDF });
    for (const zip of [wrongContent, several]) {
      const read = letter(
        syntheticLetter({
          attachments: [
            {
              name: "QD-12.pdf",
              manifestType: "application/pdf",
              attachmentType: "application/zip",
              base64: b64(zip),
            },
          ],
        }),
      );
      expect(read.codes).toEqual(["EDXML_ATTACHMENT_MISMATCH"]);
      expect(read.letter.attachments[0]).toMatchObject({
        name: "QD-12.pdf",
        contentType: "application/pdf",
        transfer: "base64",
      });
      expect(read.letter.attachments[0]!.bytes).toEqual(zip);
    }
  });

  it("flags a plain file whose content contradicts its name", () => {
    const read = letter(syntheticLetter({ attachments: [{ name: "QD-12.pdf", base64: b64(PNG) }] }));
    expect(read.warnings).toEqual([
      "EDXML_ATTACHMENT_MISMATCH: attachment 'QD-12.pdf': the content is png, the name 'QD-12.pdf' says pdf",
    ]);
  });

  it("a .docx is itself a zip: not unwrapped, not flagged", () => {
    const docx = zipSync({
      "[Content_Types].xml": new TextEncoder().encode("<Types/>"),
      "word/document.xml": PDF,
    });
    const type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    const read = letter(
      syntheticLetter({ attachments: [{ name: "CV.docx", manifestType: type, base64: b64(docx) }] }),
    );
    expect(read.codes).toEqual([]);
    expect(read.letter.attachments[0]).toMatchObject({ contentType: type, transfer: "base64", bytes: docx });
  });

  it("flags an attachment the manifest lists but the package lacks, an empty one, and one not listed", () => {
    const manifest = e(
      "Reference",
      e("ContentId", "cid:9") + e("ContentType", "application/pdf") + e("AttachmentName", "gone.pdf"),
    );
    const missing = letter(syntheticLetter({ manifest }));
    expect(missing.warnings).toEqual([
      "EDXML_ATTACHMENT_MISSING: the manifest lists 'gone.pdf', not in the package",
    ]);
    expect(missing.letter.attachments).toEqual([]);
    // The reference is kept, and written back.
    expect(letter(writeEdxml(missing.letter)).codes).toEqual(["EDXML_ATTACHMENT_MISSING"]);

    const empty = letter(syntheticLetter({ attachments: [{ name: "a.pdf", base64: "" }] }));
    expect(empty.codes).toEqual(["EDXML_ATTACHMENT_MISSING", "EDXML_ATTACHMENT_MISSING"]);

    const unlisted = letter(
      syntheticLetter({ attachments: [{ name: "a.pdf", base64: b64(PDF) }], manifest: "" }),
    );
    expect(unlisted.codes).toEqual(["EDXML_ATTACHMENT_UNLISTED"]);
    expect(unlisted.letter.attachments[0]!.bytes).toEqual(PDF);

    const garbage = letter(syntheticLetter({ attachments: [{ name: "a.pdf", base64: "not base64!" }] }));
    expect(garbage.codes).toContain("EDXML_ATTACHMENT_UNREADABLE");
  });
});

describe("the envelope's XML signature", () => {
  const signature = (certificate: string, value = "AAAA"): string =>
    `<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo/><SignatureValue>${value}</SignatureValue><KeyInfo><X509Data><X509Certificate>${certificate}</X509Certificate></X509Data></KeyInfo></Signature>`;

  it("a placeholder (truncated certificate, no value) is flagged", () => {
    expect(letter(syntheticLetter({ signature: signature("MIIFqTCCBJG") })).codes).toEqual([
      "EDXML_SIGNATURE_PLACEHOLDER",
    ]);
    expect(letter(syntheticLetter({ signature: signature("MIIFqTCCBJG", "") })).warnings[0]).toContain(
      "no SignatureValue",
    );
  });

  it("one with a real certificate is kept but said to be unverified; none at all says nothing", async () => {
    const pem = (await testPki()).person.certPem.replace(/-----[^-]+-----|\s/g, "");
    const read = letter(syntheticLetter({ signature: signature(pem) }));
    expect(read.codes).toEqual(["EDXML_SIGNATURE_NOT_VERIFIED"]);
    expect(read.letter.extra.some((part) => "element" in part && part.element.name === "Signature")).toBe(
      true,
    );
    expect(letter(syntheticLetter({})).codes).toEqual([]);
  });
});

describe("codes both ways", () => {
  it("status codes 01–06, 13, 15, 16 map to statuses and back; unpadded '3' reads as 03; others are refused", () => {
    expect(Object.keys(STATUS_BY_CODE).sort()).toEqual([
      "01",
      "02",
      "03",
      "04",
      "05",
      "06",
      "13",
      "15",
      "16",
    ]);
    for (const [code, status] of Object.entries(STATUS_BY_CODE)) {
      expect(statusCode(status)).toBe(code);
    }
    const status = (code: string): string =>
      `<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXMLEnvelope><edXMLHeader><MessageHeader>${FROM}<StatusCode>${code}</StatusCode></MessageHeader></edXMLHeader></edXMLEnvelope></edXML>`;
    const read = readEdxml(status("3"));
    expect((read.package as EdxmlStatusPackage).status).toBe("accepted");
    expect(read.warnings.map((w) => w.code)).toEqual(["EDXML_FIELD_MISSING"]);
    for (const code of ["07", "14", "", "abc"]) {
      expect(() => readEdxml(status(code))).toThrow(expect.objectContaining({ code: "EDXML_NOT_EDXML" }));
    }
  });

  it("business types 0–3 map to new, revoke, update, replace and back; others are refused", () => {
    expect(BUSINESS_TYPES).toEqual({ "0": "new", "1": "revoke", "2": "update", "3": "replace" });
    for (const [code, type] of Object.entries(BUSINESS_TYPES)) {
      expect(businessTypeCode(type)).toBe(code);
      const trace = e("TraceHeaderList", e("Bussiness", e("BussinessDocType", code)));
      expect(letter(syntheticLetter({ trace })).letter.business).toEqual({ type });
    }
    const trace = e("TraceHeaderList", e("Bussiness", e("BussinessDocType", "4")));
    let code: string | undefined;
    try {
      readEdxml(syntheticLetter({ trace }));
    } catch (error) {
      code = isExchangeError(error) ? error.code : undefined;
    }
    expect(code).toBe("EDXML_NOT_EDXML");
  });
});
