/**
 * Import → export → import gives the same letter or status; what Lienthong writes follows the element
 * order of domain.md (xmllint against shared/edxml/schema); parts without a field survive the trip.
 * Generated models (fast-check) round-trip through export and import, and their packages validate.
 */
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type EdxmlAttachment,
  type EdxmlExtra,
  type EdxmlLetter,
  type EdxmlPackage,
  type EdxmlStatus,
  type EdxmlStatusPackage,
  readEdxml,
  STATUS_BY_CODE,
  writeEdxml,
} from "../../../shared/edxml/index.ts";
import { FIXTURES, fixture, syntheticLetter, xmllint } from "./helpers.ts";

/** The package with each attachment's bytes as length and SHA-256 (deep equality on big arrays is slow). */
function comparable(pkg: EdxmlPackage): unknown {
  if (pkg.kind !== "letter") {
    return pkg;
  }
  return {
    ...pkg,
    attachments: pkg.attachments.map(({ bytes, ...rest }) => ({
      ...rest,
      size: bytes.byteLength,
      sha256: createHash("sha256").update(bytes).digest("hex"),
    })),
  };
}

describe("import → export → import", () => {
  for (const file of readdirSync(FIXTURES).filter((name) => name.endsWith(".edxml"))) {
    it(`${file}: the same package again, written in the schema's order`, async () => {
      const first = readEdxml(fixture(file));
      const xml = writeEdxml(first.package);
      const second = readEdxml(xml);
      expect(comparable(second.package)).toEqual(comparable(first.package));
      // Only the stray bytes before the XML are gone; every other warning is about the content.
      expect(second.warnings).toEqual(first.warnings.filter((w) => w.code !== "EDXML_TEXT_BEFORE_XML"));
      const lint = await xmllint(xml, first.package.kind);
      expect(lint.output).toContain("validates");
      expect(lint.valid).toBe(true);
    });
  }

  it("the schemas are strict: a status package is not a letter, and the producers' order is not ours", async () => {
    const status = writeEdxml(readEdxml(fixture("status_inbox_01.edxml")).package);
    expect((await xmllint(status, "letter")).valid).toBe(false);
    const original = new TextDecoder().decode(fixture("edoc_update.edxml"));
    const lint = await xmllint(original, "letter");
    expect(lint.valid).toBe(false);
    expect(lint.output).toContain("ToPlaces");
  });

  it("keeps parts without a field: foreign elements, unknown edXML elements, unknown attributes", () => {
    const header =
      '<From a="1"><OrganId>000.00.00.G22</OrganId><x:Seal xmlns:x="urn:example:seal" x:k="v">S<x:Inner/></x:Seal></From>' +
      "<To><OrganId>000.00.11.H53</OrganId></To><Subject>s</Subject><Subject>second</Subject><Priority2>9</Priority2>";
    const first = readEdxml(syntheticLetter({ header }));
    const extra = first.package.extra;
    expect(extra).toEqual(
      expect.arrayContaining([
        { at: "edXML/edXMLEnvelope/edXMLHeader/MessageHeader/From", attributes: { a: "1" } },
        expect.objectContaining({
          at: "edXML/edXMLEnvelope/edXMLHeader/MessageHeader/From",
          element: expect.objectContaining({ name: "Seal", ns: "urn:example:seal" }),
        }),
        expect.objectContaining({
          at: "edXML/edXMLEnvelope/edXMLHeader/MessageHeader",
          element: expect.objectContaining({ name: "Subject" }),
        }),
        expect.objectContaining({
          at: "edXML/edXMLEnvelope/edXMLHeader/MessageHeader",
          element: expect.objectContaining({ name: "Priority2" }),
        }),
      ]),
    );
    const xml = writeEdxml(first.package);
    expect(xml).toContain(
      '<Seal xmlns="urn:example:seal" xmlns:x="urn:example:seal" x:k="v">S<Inner/></Seal>',
    );
    expect(readEdxml(xml).package).toEqual(first.package);
  });

  it("refuses to write what XML cannot carry, or extra parts with no element to go in", () => {
    const letter = readEdxml(syntheticLetter({})).package as EdxmlLetter;
    expect(() => writeEdxml({ ...letter, subject: "a\u0001b" })).toThrow(
      expect.objectContaining({ code: "VALIDATION_FAILED" }),
    );
    const stray: EdxmlExtra = { at: "edXML/Nowhere", attributes: { a: "1" } };
    expect(() => writeEdxml({ ...letter, extra: [stray] })).toThrow(
      expect.objectContaining({ code: "VALIDATION_FAILED" }),
    );
  });
});

// Generators: texts as the reader returns them (trimmed, non-empty, characters XML can carry).
const CHARS = [..."aAzZ09 -/.,;:&<>\"'()ạĐữỹÂ😀\t"];
const text = fc
  .string({ unit: fc.constantFrom(...CHARS), minLength: 1, maxLength: 16 })
  .map((value) => value.trim())
  .filter((value) => value !== "");
const date = fc
  .date({ min: new Date("1990-01-01T00:00:00Z"), max: new Date("2099-12-31T00:00:00Z"), noInvalidDate: true })
  .map((value) => value.toISOString().slice(0, 10));
const timestamp = fc
  .date({ min: new Date("1990-01-01T00:00:00Z"), max: new Date("2099-12-31T00:00:00Z"), noInvalidDate: true })
  .map((value) => value.toISOString().slice(0, 19));
const optional = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.option(arbitrary, { nil: undefined });

const organ = fc.record(
  {
    id: text,
    inCharge: text,
    name: text,
    address: text,
    email: text,
    telephone: text,
    fax: text,
    website: text,
  },
  { requiredKeys: ["id"] },
);
const staff = fc.record({ department: text, staff: text, mobile: text, email: text }, { requiredKeys: [] });
const reference = fc.record(
  { organId: text, code: text, promulgationDate: date, documentId: text },
  { requiredKeys: [] },
);

const EXTENSIONS = ["pdf", "doc", "docx", "xlsx", "png", "txt", "edxml", ""];
const TYPES = [
  "application/pdf",
  "application/msword",
  "application/octet-stream",
  "text/plain",
  "image/png",
];
const attachment = fc
  .record({
    base: text,
    extension: fc.constantFrom(...EXTENSIONS),
    contentType: fc.constantFrom(...TYPES, "application/zip"),
    description: optional(text),
    zipped: fc.boolean(),
    // A first byte no format starts with: what the reader recognises stays out of the way.
    bytes: fc.uint8Array({ maxLength: 64 }).map((bytes) => new Uint8Array([1, ...bytes])),
  })
  .map(({ base, extension, contentType, description, zipped, bytes }) => {
    const name = extension === "" ? base : `${base}.${extension}`;
    const zip = zipped && contentType !== "application/zip";
    return {
      name,
      contentType,
      ...(description === undefined ? {} : { description }),
      transfer: zip ? "zip" : "base64",
      ...(zip ? { zipEntry: name } : {}),
      bytes,
    } as Omit<EdxmlAttachment, "contentId">;
  });

const business = fc.record(
  {
    type: fc.constantFrom("new", "revoke", "update", "replace" as const),
    documentId: text,
    reason: text,
    paper: text,
    staff,
    documentInfo: text,
    documentReceiver: text,
    receivers: fc.array(fc.record({ organId: text, receiverType: text }, { requiredKeys: ["organId"] }), {
      maxLength: 3,
    }),
    replacements: fc.array(fc.record({ documentId: text, organIds: fc.array(text, { maxLength: 3 }) }), {
      maxLength: 2,
    }),
  },
  { requiredKeys: ["type"] },
);

/** Foreign elements at paths every package writes, in the order the reader collects them. */
const EXTRA_PATHS = [
  "edXML/edXMLEnvelope/edXMLHeader/MessageHeader/From",
  "edXML/edXMLEnvelope/edXMLHeader/MessageHeader",
  "edXML/edXMLEnvelope/edXMLHeader",
  "edXML/edXMLEnvelope",
  "edXML",
];
const extra = fc
  .array(
    fc.record({
      at: fc.constantFrom(...EXTRA_PATHS),
      name: fc.constantFrom("Note", "Seal", "Ext"),
      attribute: optional(text),
      content: optional(text),
    }),
    { maxLength: 3 },
  )
  .map((parts) =>
    parts
      .map(
        ({ at, name, attribute, content }): EdxmlExtra => ({
          at,
          element: {
            name,
            ns: "urn:example:kept",
            attributes: attribute === undefined ? [] : [{ name: "k", value: attribute }],
            children: content === undefined ? [] : [{ text: content }],
          },
        }),
      )
      .sort((a, b) => EXTRA_PATHS.indexOf(a.at) - EXTRA_PATHS.indexOf(b.at)),
  );

const letterModel: fc.Arbitrary<EdxmlLetter> = fc
  .record(
    {
      from: organ,
      to: fc.array(organ, { maxLength: 3 }),
      documentId: text,
      code: fc.record({ number: text, notation: text }, { requiredKeys: [] }),
      promulgation: fc.record({ place: text, date }, { requiredKeys: [] }),
      documentType: fc.record({ type: text, detail: text, name: text }, { requiredKeys: [] }),
      subject: text,
      content: text,
      signer: fc.record({ competence: text, position: text, fullName: text }, { requiredKeys: [] }),
      dueDate: date,
      otherInfo: fc.record(
        {
          priority: text,
          sphereOfPromulgation: text,
          typerNotation: text,
          promulgationAmount: text,
          pageAmount: text,
          direction: text,
          appendixes: fc.array(text, { maxLength: 2 }),
        },
        { requiredKeys: [] },
      ),
      responseFor: fc.array(reference, { maxLength: 2 }),
      steeringType: text,
      toPlaces: fc.array(text, { maxLength: 2 }),
      traces: fc.array(fc.record({ organId: text, timestamp }, { requiredKeys: ["organId"] }), {
        maxLength: 2,
      }),
      business,
      attachments: fc.array(attachment, { maxLength: 3 }),
      extra,
    },
    {
      requiredKeys: [
        "from",
        "to",
        "code",
        "promulgation",
        "documentType",
        "responseFor",
        "toPlaces",
        "traces",
        "attachments",
        "extra",
      ],
    },
  )
  .map((model) => ({
    kind: "letter" as const,
    ...model,
    attachments: model.attachments.map((file, index) => ({ contentId: `cid:${index}`, ...file })),
  }));

const statusModel: fc.Arbitrary<EdxmlStatusPackage> = fc
  .record(
    {
      from: organ,
      to: fc.array(organ, { maxLength: 2 }),
      responseFor: reference,
      staff,
      status: fc.constantFrom(...(Object.values(STATUS_BY_CODE) as EdxmlStatus[])),
      description: text,
      timestamp,
      extra,
    },
    { requiredKeys: ["from", "to", "responseFor", "status", "extra"] },
  )
  .map((model) => ({ kind: "status" as const, ...model }));

describe("generated models", () => {
  it("round-trip through export and import, and what is written validates", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(letterModel, statusModel), async (model: EdxmlPackage) => {
        const xml = writeEdxml(model);
        expect(comparable(readEdxml(xml).package)).toEqual(comparable(model));
        const lint = await xmllint(xml, model.kind);
        expect(lint.output).toContain("validates");
      }),
      { numRuns: 150, seed: 20261201 },
    );
  });
});
