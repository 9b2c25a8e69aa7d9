/**
 * The allow-list of shared/verification/changes, rule by rule, through `validatePdf`: for each rule
 * of `RULES` a letter where it allows a change (the report lists the change as allowed under the
 * rule's name and code, the verdict is TOTAL_PASSED) and a twin where it refuses (a refused change
 * citing the rule comes first, the verdict is not TOTAL_PASSED); the policies (letter, form-filling,
 * DocMDP /P 1); and the checks `JudgeContext.finish()` makes of new signature fields
 * ("signature.new-signature-field").
 *
 * Two kinds of rule cannot be tested exactly that way, and their blocks say so:
 * - container rules (`container: true`: validation.catalog-dss, signature.catalog-acroform,
 *   signature.acroform-fields, signature.acroform-resources, signature.page-annots) record nothing
 *   when they allow: what they let in is recorded by the rules inside (or by `finish()`), so the
 *   allowed case asserts those changes and that nothing was refused at the container;
 * - rules whose check never refuses (validation.dss-update, metadata.info, form.fill-empty-field)
 *   are narrowed by `applies` alone: the twin is the nearest change outside it, refused by no rule
 *   (`refused:<role>`), and asserts the rule itself refused nothing.
 *
 * A new rule without a block here fails the completeness test.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PdfDict,
  PdfName,
  type PdfObject,
  PdfRef,
  PdfStream,
  textString,
} from "../../../../shared/pdf/objects.ts";
import { listPages } from "../../../../shared/pdf/pages.ts";
import { readPdf } from "../../../../shared/pdf/read-pdf.ts";
import { RULES } from "../../../../shared/verification/changes/index.ts";
import {
  CHANGE_POLICIES,
  DOCMDP_NO_CHANGES_POLICY,
  FORM_FILLING_POLICY,
  LETTER_POLICY,
} from "../../../../shared/verification/changes/policy.ts";
import type { ChangeReport, ValidationReport } from "../../../../shared/verification/report.ts";
import { validatePdf } from "../../../../shared/verification/validate-pdf.ts";
import {
  type AcrobatLikeLetterOptions,
  acrobatLikeLetter,
  acrobatLikeSign,
  addDrFont,
  type Edit,
  fillPreplacedField,
  newSignatureField,
  PREPLACED_FIELD,
  PREPLACED_RECT,
  raiseVersion,
  UpdateSession,
  updateXmpMetadata,
  xmpPacket,
} from "../../../support/acrobat-like.ts";
import {
  certifyPdf,
  fillField,
  makeShadowLetter,
  SHADOW_TEXT,
  signAll,
  signerOf,
} from "../../../support/attacks.ts";
import { appendHandRevision } from "../../../support/forgery-classes.ts";
import { type TestPki, testPki } from "../../../support/pki.ts";
import {
  addDss,
  addFreeTextAnnotation,
  addTextField,
  copyAcroForm,
  dssCopyOfForm,
  dssFormCopy,
  editNewestField,
  extendDss,
  fillPreplacedKeepingAppearance,
  hidePreplacedWithAppearance,
  preplacedField,
  setAcroForm,
  setCatalog,
  timestampUpdate,
  unsignedUpdate,
} from "../../../support/rule-cases.ts";
import { startTestTsa, type TestTsa } from "../../../support/tsa.ts";
import { offlineOptions, signWith, unsignedLetter } from "../helpers.ts";

let pki: TestPki;
let tsa: TestTsa;

beforeAll(async () => {
  pki = await testPki();
  tsa = await startTestTsa();
});

afterAll(async () => {
  await tsa?.close();
});

// ---------------------------------------------------------------------------------------------
// Letters (each made once)
// ---------------------------------------------------------------------------------------------

function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => {
    made ??= make();
    return made;
  };
}

const SEAL_TIME = new Date("2025-03-05T07:10:00Z");

/** The plain letter signed by the person: indirect AcroForm (no /DA, no /DR), direct /Annots, no XMP. */
const signed = once(() => signWith([pki.person]));
/** The Acrobat-like base letters (DA, DR, a Link annotation, XMP metadata), signed by the person. */
const acrobatSigned = (() => {
  const made = new Map<string, Promise<Uint8Array>>();
  return (options: AcrobatLikeLetterOptions = {}): Promise<Uint8Array> => {
    const key = JSON.stringify(options);
    let found = made.get(key);
    if (!found) {
      found = acrobatLikeLetter(options).then((letter) => signAll(letter, [pki.person]));
      made.set(key, found);
    }
    return found;
  };
})();
/** The shadow letter (a valued text field and an empty one), signed by the person. */
const shadowSigned = once(async () => signAll(await makeShadowLetter(), [pki.person]));
/** A letter with a /DSS before anyone signs, then signed by the person. */
const dssSigned = once(async () =>
  signWith([pki.person], { pdf: unsignedUpdate(await unsignedLetter(), [addDss(pki.rootCrl)]) }),
);
/** The letter certified by the person with DocMDP /P 1 (no changes). */
const certifiedP1 = once(async () =>
  certifyPdf(await unsignedLetter(), { signer: signerOf(pki.person), permission: 1, signingTime: SEAL_TIME }),
);

/** The organisation's seal over `pdf` in one update with `edits` (Acrobat-like). */
function seal(pdf: Uint8Array, edits: readonly Edit[]): Promise<Uint8Array> {
  return acrobatLikeSign(pdf, signerOf(pki.organisation), edits, { signingTime: SEAL_TIME });
}

// ---------------------------------------------------------------------------------------------
// Assertions
// ---------------------------------------------------------------------------------------------

function validate(bytes: Uint8Array, policy?: "form-filling"): Promise<ValidationReport> {
  return validatePdf(bytes, offlineOptions(pki, policy ? { changePolicy: policy } : {}));
}

function changesOf(report: ValidationReport, signature = 0): readonly ChangeReport[] {
  const changes = report.signatures[signature]?.changes;
  expect(Array.isArray(changes), `signature ${signature} lists its changes`).toBe(true);
  return changes ?? [];
}

/** Refused changes of every signature, for a readable diff when one is unexpected. */
function refusedChanges(report: ValidationReport): string[] {
  return report.signatures.flatMap((signature) =>
    signature.changes
      .filter((change) => change.verdict === "refused")
      .map((change) => `#${signature.index} ${change.rule} ${change.code}: ${change.detail}`),
  );
}

/** The rule of RULES named `name` (throws when there is none). */
function ruleNamed(name: string) {
  const rule = RULES.find((candidate) => candidate.name === name);
  if (!rule) {
    throw new Error(`no rule ${name}`);
  }
  return rule;
}

/** TOTAL_PASSED, nothing refused, and an allowed change of `rule` with `code` after signature `signature`. */
function expectAllowed(report: ValidationReport, rule: string, code: string, signature = 0): ChangeReport {
  expect(refusedChanges(report)).toEqual([]);
  expect(report.verdict).toBe("TOTAL_PASSED");
  const changes = changesOf(report, signature);
  expect(changes).toContainEqual(expect.objectContaining({ rule, verdict: "allowed", code }));
  return changes.find((change) => change.rule === rule && change.code === code)!;
}

/** Not TOTAL_PASSED, and the first change after signature `signature` refused by `rule`. */
function expectRefusedFirst(
  report: ValidationReport,
  rule: string | RegExp,
  code: string | RegExp,
  signature = 0,
): ChangeReport {
  expect(report.verdict).not.toBe("TOTAL_PASSED");
  const first = changesOf(report, signature)[0];
  expect(first).toMatchObject({
    rule: typeof rule === "string" ? rule : expect.stringMatching(rule),
    verdict: "refused",
    code: typeof code === "string" ? code : expect.stringMatching(code),
  });
  expect(report.signatures[signature]?.modification).toBe("other");
  return first!;
}

/** No change after signature `signature` cites `rule` with verdict "refused". */
function expectNotRefusedBy(report: ValidationReport, rule: string, signature = 0): void {
  expect(changesOf(report, signature).filter((c) => c.rule === rule && c.verdict === "refused")).toEqual([]);
}

// ---------------------------------------------------------------------------------------------
// Small edits
// ---------------------------------------------------------------------------------------------

/** The first content stream of page 1 (signed content). */
function firstContentStream(session: UpdateSession): PdfRef {
  const contents = session.deref(session.page(0).dict.get("Contents"));
  const value = Array.isArray(contents) ? contents[0] : session.page(0).dict.get("Contents");
  if (!(value instanceof PdfRef)) {
    throw new Error("page 1 has no content stream reference");
  }
  return value;
}

/** The Link annotation of page 1 of the Acrobat-like letters (signed content). */
function linkAnnotation(session: UpdateSession): PdfRef {
  const annots = session.deref(session.page(0).dict.get("Annots"));
  const link = (Array.isArray(annots) ? annots : []).find((item) => {
    const annotation = session.deref(item);
    return annotation instanceof PdfDict && annotation.getName("Subtype") === "Link";
  });
  if (!(link instanceof PdfRef)) {
    throw new Error("page 1 has no Link annotation");
  }
  return link;
}

const setInfo =
  (changes: Readonly<Record<string, PdfObject | undefined>>): Edit =>
  (session) => {
    const ref = session.file.trailer.getRef("Info")!;
    session.set(ref, (session.get(ref) as PdfDict).with(changes));
  };

const MOD_DATE = textString("D:20250305141000+07'00'");

// ---------------------------------------------------------------------------------------------
// One block per rule of RULES
// ---------------------------------------------------------------------------------------------

/** The rule names this file has a block for (filled while the blocks are collected). */
const covered: string[] = [];

function rule(name: string): string {
  covered.push(name);
  return name;
}

describe(rule("bookkeeping.catalog-version"), () => {
  const name = "bookkeeping.catalog-version";

  it("allows /Version raised as a name, with /Extensions", async () => {
    expect(ruleNamed(name).code).toBe("VERSION_UPDATED");
    const report = await validate(unsignedUpdate(await signed(), [raiseVersion()]));
    const change = expectAllowed(report, name, "VERSION_UPDATED");
    expect(change).toMatchObject({ role: "catalog", class: "bookkeeping" });
    expect(
      changesOf(report)
        .filter((c) => c.rule === name)
        .map((c) => c.detail),
    ).toEqual([expect.stringMatching(/\/Version updated$/), expect.stringMatching(/\/Extensions updated$/)]);
    expect(report.signatures[0]?.modification).toBe("none");
  });

  it("refuses a /Version that is not a name", async () => {
    const report = await validate(
      unsignedUpdate(await signed(), [setCatalog({ Version: textString("1.7") })]),
    );
    const first = expectRefusedFirst(report, name, "CATALOG_CHANGED");
    expect(first.detail).toMatch(/\/Version is not a name/);
  });
});

describe(rule("validation.catalog-dss"), () => {
  const name = "validation.catalog-dss";

  it("(container) lets a new /DSS in: its entries are allowed by validation.dss-update", async () => {
    expect(ruleNamed(name)).toMatchObject({ code: "VALIDATION_DATA_ADDED", container: true });
    const report = await validate(unsignedUpdate(await signed(), [addDss(pki.intermediateCrl)]));
    const change = expectAllowed(report, "validation.dss-update", "VALIDATION_DATA_UPDATED");
    expect(change).toMatchObject({ role: "dss", class: "validation" });
    expect(change.detail).toMatch(/\(catalog\) \/DSS: \/CRLs updated$/);
    expect(changesOf(report).filter((c) => c.rule === name || c.rule === "refused:catalog")).toEqual([]);
    expect(report.signatures[0]?.modification).toBe("signatures-and-validation-data");
  });

  it("refuses a /DSS that points to an object of the signed revision", async () => {
    const pointToInfo: Edit = (session) => session.updateRoot({ DSS: session.file.trailer.getRef("Info")! });
    const report = await validate(unsignedUpdate(await signed(), [pointToInfo]));
    const first = expectRefusedFirst(report, name, "CATALOG_CHANGED");
    expect(first.detail).toMatch(/\/DSS now points to \d+ 0 R, an object of the signed revision/);
  });

  it("refuses a signed /DSS removed", async () => {
    const report = await validate(unsignedUpdate(await dssSigned(), [setCatalog({ DSS: undefined })]));
    const first = expectRefusedFirst(report, name, "CATALOG_CHANGED");
    expect(first.detail).toMatch(/\/DSS was removed/);
  });
});

describe(rule("validation.dss-update"), () => {
  const name = "validation.dss-update";

  it("allows a signed /DSS to gain validation data", async () => {
    expect(ruleNamed(name).code).toBe("VALIDATION_DATA_UPDATED");
    const report = await validate(
      unsignedUpdate(await dssSigned(), [extendDss("CRLs", pki.intermediateCrl)]),
    );
    const change = expectAllowed(report, name, "VALIDATION_DATA_UPDATED");
    expect(change).toMatchObject({ role: "dss", class: "validation", object: expect.any(Number) });
    expect(change.detail).toMatch(/: \/CRLs updated$/);
  });

  it("(never refuses) cannot launder signed content: a page content stream listed in /DSS and rewritten is refused by no rule", async () => {
    const launder: Edit = (session) => {
      const content = firstContentStream(session);
      const dssRef = session.root().get("DSS") as PdfRef;
      const dss = session.get(dssRef) as PdfDict;
      session.set(dssRef, dss.with({ Certs: [content] }));
      session.set(content, new PdfStream(new PdfDict(), Buffer.from("BT /F1 24 Tf 100 700 Td (PAID) Tj ET")));
    };
    const report = await validate(unsignedUpdate(await dssSigned(), [launder]));
    expectRefusedFirst(report, "refused:content", "OBJECT_CHANGED");
    expect(changesOf(report)).toContainEqual(expect.objectContaining({ rule: name, verdict: "allowed" }));
    expectNotRefusedBy(report, name);
  });
});

describe(rule("metadata.info"), () => {
  const name = "metadata.info";

  it("allows the document information dictionary updated", async () => {
    expect(ruleNamed(name).code).toBe("INFO_UPDATED");
    const report = await validate(unsignedUpdate(await signed(), [setInfo({ ModDate: MOD_DATE })]));
    const change = expectAllowed(report, name, "INFO_UPDATED");
    expect(change).toMatchObject({
      role: "info",
      class: "metadata",
      detail: expect.stringMatching(/\/ModDate/),
    });
  });

  it("(never refuses) the trailer's /Info pointed at signed content is refused by no rule", async () => {
    const page = listPages(readPdf(await signed()))[0]!;
    const report = await validate(appendHandRevision(await signed(), { trailer: { Info: page.ref } }));
    const first = expectRefusedFirst(report, "refused:trailer", "INFO_REPLACED");
    expect(first.detail).toMatch(/signed content/);
    expectNotRefusedBy(report, name);
  });
});

describe(rule("metadata.xmp"), () => {
  const name = "metadata.xmp";

  it("allows the XMP stream rewritten in place (role metadata), as METADATA_UPDATED", async () => {
    const report = await validate(unsignedUpdate(await acrobatSigned(), [updateXmpMetadata()]));
    const change = expectAllowed(report, name, "METADATA_UPDATED");
    expect(change).toMatchObject({ role: "metadata", class: "metadata" });
  });

  it("allows a new XMP metadata stream in the catalog", async () => {
    expect(ruleNamed(name).code).toBe("METADATA_UPDATED");
    const addXmp: Edit = (session) => {
      const stream = new PdfStream(
        new PdfDict([
          ["Type", new PdfName("Metadata")],
          ["Subtype", new PdfName("XML")],
        ]),
        Buffer.from(xmpPacket("2025-03-05T14:10:00+07:00"), "utf8"),
      );
      session.updateRoot({ Metadata: session.add(stream) });
    };
    const report = await validate(unsignedUpdate(await signed(), [addXmp]));
    expect(expectAllowed(report, name, "METADATA_UPDATED")).toMatchObject({
      role: "catalog",
      class: "metadata",
    });
  });

  it("refuses /Metadata pointed at signed content (page 1's content stream)", async () => {
    const pointToContent: Edit = (session) => session.updateRoot({ Metadata: firstContentStream(session) });
    const report = await validate(unsignedUpdate(await signed(), [pointToContent]));
    const first = expectRefusedFirst(report, name, "CATALOG_CHANGED");
    expect(first.detail).toMatch(/\/Metadata now points to an object of the signed revision/);
  });

  it("refuses /Metadata that is not an XMP metadata stream", async () => {
    const notXmp: Edit = (session) =>
      session.updateRoot({ Metadata: session.add(new PdfStream(new PdfDict(), Buffer.from("q Q"))) });
    const report = await validate(unsignedUpdate(await signed(), [notXmp]));
    const first = expectRefusedFirst(report, name, "CATALOG_CHANGED");
    expect(first.detail).toMatch(/not an XMP metadata stream/);
  });
});

describe(rule("signature.catalog-acroform"), () => {
  const name = "signature.catalog-acroform";

  it("(container) lets a copied AcroForm in: the seal's new field is allowed inside", async () => {
    expect(ruleNamed(name)).toMatchObject({ code: "ACROFORM_UPDATED", container: true });
    const report = await validate(await seal(await signed(), [copyAcroForm(), newSignatureField()]));
    expectAllowed(report, "signature.new-signature-field", "SIGNATURE_FIELD_ADDED");
    expect(changesOf(report).filter((c) => c.rule === name || c.rule === "refused:catalog")).toEqual([]);
  });

  it("refuses /AcroForm pointed at an object of the signed revision (a copy the seal signed in its /DSS)", async () => {
    // The seal's update holds a copy of its AcroForm in /DSS: new for the person's signature,
    // signed (validation data) for the seal's. A later update points the catalog at it.
    const sealed = await seal(await signed(), [newSignatureField(), dssCopyOfForm()]);
    const repoint: Edit = (session) => session.updateRoot({ AcroForm: dssFormCopy(session) });
    const report = await validate(unsignedUpdate(sealed, [repoint]));
    const first = expectRefusedFirst(report, name, "CATALOG_CHANGED", 1);
    expect(first.detail).toMatch(/\/AcroForm now points to \d+ 0 R, an object of the signed revision/);
    // For the person's signature the copy is new: allowed, the seal's field inside it.
    expect(changesOf(report, 0).filter((c) => c.verdict === "refused")).toEqual([]);
  });
});

describe(rule("signature.acroform-fields"), () => {
  const name = "signature.acroform-fields";

  it("(container) lets a new field in: finish() allows it as a new signature", async () => {
    expect(ruleNamed(name)).toMatchObject({ code: "SIGNATURE_FIELD_ADDED", container: true });
    const report = await validate(await seal(await signed(), [newSignatureField()]));
    const change = expectAllowed(report, "signature.new-signature-field", "SIGNATURE_FIELD_ADDED");
    expect(change.detail).toMatch(/new field \d+ "Seal": a signature/);
    expect(changesOf(report).filter((c) => c.rule === name)).toEqual([]);
  });

  it("refuses /Fields that lists an object of the signed revision (the Link annotation made a field)", async () => {
    const linkAsField: Edit = (session) => {
      const form = session.form();
      const fields = session.deref(form.get("Fields")) as readonly PdfObject[];
      session.setForm(form.with({ Fields: [...fields, linkAnnotation(session)] }));
    };
    const report = await validate(unsignedUpdate(await acrobatSigned(), [linkAsField]));
    const first = expectRefusedFirst(report, name, "ACROFORM_CHANGED");
    expect(first.detail).toMatch(/\/Fields lists \d+ 0 R, an object of the signed revision/);
  });
});

describe(rule("signature.acroform-sigflags"), () => {
  const name = "signature.acroform-sigflags";

  it("allows /SigFlags set to a value from 0 to 3", async () => {
    expect(ruleNamed(name).code).toBe("SIGFLAGS_SET");
    const report = await validate(unsignedUpdate(await signed(), [setAcroForm({ SigFlags: 1 })]));
    expect(expectAllowed(report, name, "SIGFLAGS_SET")).toMatchObject({
      role: "acroform",
      class: "signature",
    });
  });

  it("refuses /SigFlags outside 0 to 3", async () => {
    const report = await validate(unsignedUpdate(await signed(), [setAcroForm({ SigFlags: 4 })]));
    const first = expectRefusedFirst(report, name, "ACROFORM_CHANGED");
    expect(first.detail).toMatch(/\/SigFlags is not 0 to 3/);
  });
});

describe(rule("signature.acroform-resources"), () => {
  const name = "signature.acroform-resources";

  it("(container) lets a new /DR in: its font is allowed by signature.form-resources-added", async () => {
    expect(ruleNamed(name)).toMatchObject({ code: "FORM_RESOURCES_ADDED", container: true });
    const report = await validate(await seal(await signed(), [newSignatureField(), addDrFont()]));
    const change = expectAllowed(report, "signature.form-resources-added", "FORM_RESOURCES_ADDED");
    expect(change).toMatchObject({ role: "form-fonts", class: "signature" });
    expect(change.detail).toMatch(/\/DR \/Font: \/HeBo updated$/);
    expect(changesOf(report).filter((c) => c.rule === name)).toEqual([]);
  });

  it("refuses the signed /DR removed", async () => {
    const report = await validate(
      unsignedUpdate(await acrobatSigned({ dr: "direct" }), [setAcroForm({ DR: undefined })]),
    );
    const first = expectRefusedFirst(report, name, "ACROFORM_CHANGED");
    expect(first.detail).toMatch(/\/DR was removed/);
  });

  it("refuses /DR /Font pointed at an object of the signed revision", async () => {
    const repoint: Edit = (session) => {
      const form = session.form();
      const dr = form.get("DR") as PdfDict;
      const fonts = session.deref(dr.get("Font")) as PdfDict;
      const helvetica = fonts.get("Helv") as PdfRef; // a font object, not a font dictionary
      session.setForm(form.with({ DR: dr.with({ Font: helvetica }) }));
    };
    const report = await validate(unsignedUpdate(await acrobatSigned({ dr: "indirect-font" }), [repoint]));
    const first = expectRefusedFirst(report, name, "FORM_RESOURCES_CHANGED");
    expect(first.detail).toMatch(/\/Font now points to \d+ 0 R, an object of the signed revision/);
  });
});

describe(rule("signature.form-resources-added"), () => {
  const name = "signature.form-resources-added";

  it("allows a font added under a new name to the signed /DR /Font", async () => {
    expect(ruleNamed(name).code).toBe("FORM_RESOURCES_ADDED");
    const report = await validate(
      await seal(await acrobatSigned({ dr: "direct" }), [newSignatureField(), addDrFont()]),
    );
    expect(expectAllowed(report, name, "FORM_RESOURCES_ADDED").detail).toMatch(/\/HeBo updated$/);
  });

  it("allows it when /DR /Font is its own object", async () => {
    const report = await validate(
      unsignedUpdate(await acrobatSigned({ dr: "indirect-font" }), [addDrFont()]),
    );
    expect(expectAllowed(report, name, "FORM_RESOURCES_ADDED")).toMatchObject({ role: "form-fonts" });
  });

  it("refuses an existing font name pointed at another font", async () => {
    const report = await validate(
      await seal(await acrobatSigned({ dr: "direct" }), [
        newSignatureField(),
        addDrFont({ replace: "Helv" }),
      ]),
    );
    const first = expectRefusedFirst(report, name, "FORM_RESOURCES_CHANGED");
    expect(first.detail).toMatch(/\/Helv was replaced or removed/);
  });

  // A font the signed /DA selects but /DR lacks is drawn with a viewer's fallback; adding it
  // changes what fields without an appearance show. However the /DA is spaced: PDF counts NUL as
  // whitespace and \v not (poppler agrees), and a name may be written with #xx.
  for (const da of ["/F1 12 Tf 0 g", "/F1\u0000 12 Tf 0 g", "/F1 12\u0000Tf 0 g", "0 g /F#31 12 Tf"]) {
    it(`refuses a font added under the name the signed /DA ${JSON.stringify(da)} selects`, async () => {
      const letter = unsignedUpdate(await acrobatLikeLetter({ dr: "none" }), [
        setAcroForm({ DA: textString(da) }),
      ]);
      const signedLetter = await signAll(letter, [pki.person]);
      const report = await validate(unsignedUpdate(signedLetter, [addDrFont({ name: "F1" })]));
      const first = expectRefusedFirst(report, name, "FORM_RESOURCES_CHANGED");
      expect(first.detail).toMatch(/\/F1 is named by a field's \/DA at signing/);
    });
  }
});

describe(rule("signature.acroform-default-appearance"), () => {
  const name = "signature.acroform-default-appearance";

  it("allows /DA added to a form of signature fields only", async () => {
    expect(ruleNamed(name).code).toBe("FORM_DEFAULTS_ADDED");
    const report = await validate(
      unsignedUpdate(await signed(), [setAcroForm({ DA: textString("/Helv 0 Tf 0 g") })]),
    );
    expect(expectAllowed(report, name, "FORM_DEFAULTS_ADDED")).toMatchObject({ role: "acroform" });
  });

  it("refuses a signed /DA changed", async () => {
    const report = await validate(
      unsignedUpdate(await acrobatSigned(), [setAcroForm({ DA: textString("/Helv 24 Tf 1 0 0 rg") })]),
    );
    const first = expectRefusedFirst(report, name, "ACROFORM_CHANGED");
    expect(first.detail).toMatch(/\/DA of a form with fields other than signatures changed/);
  });

  it("refuses /DA added to a form with text fields", async () => {
    const report = await validate(
      unsignedUpdate(await shadowSigned(), [setAcroForm({ DA: textString("/Helv 24 Tf 1 0 0 rg") })]),
    );
    expectRefusedFirst(report, name, "ACROFORM_CHANGED");
  });
});

describe(rule("signature.page-annots"), () => {
  const name = "signature.page-annots";

  it("(container) lets a copied /Annots with the seal's widget in: the widget is painted and reported", async () => {
    expect(ruleNamed(name)).toMatchObject({ code: "SIGNATURE_WIDGET_ADDED", container: true });
    const report = await validate(
      await seal(await acrobatSigned({ annots: "indirect" }), [newSignatureField({ annots: "copy" })]),
    );
    expectAllowed(report, "signature.new-signature-field", "SIGNATURE_FIELD_ADDED");
    expect(changesOf(report).filter((c) => c.rule === name)).toEqual([]);
    expect(report.signatures[0]?.paintedAfter).toEqual([
      expect.objectContaining({
        fieldName: "Seal",
        kind: "signature",
        page: 1,
        rect: [85, 90, 245, 210],
        by: 1,
      }),
    ]);
  });

  it("refuses a copied /Annots that leaves out a signed annotation", async () => {
    const report = await validate(
      await seal(await acrobatSigned({ annots: "indirect" }), [
        newSignatureField({ annots: "copy", dropLink: true }),
      ]),
    );
    const first = expectRefusedFirst(report, name, "PAGE_CHANGED");
    expect(first.detail).toMatch(/\/Annots lost or reordered \d+ item\(s\) of the signed revision/);
  });

  it("refuses /Annots that lists a signed object again", async () => {
    const relist: Edit = (session) => {
      const page = session.page(0);
      const annots = session.deref(page.dict.get("Annots")) as readonly PdfObject[];
      session.set(page.ref, page.dict.with({ Annots: [...annots, linkAnnotation(session)] }));
    };
    const report = await validate(unsignedUpdate(await acrobatSigned(), [relist]));
    const first = expectRefusedFirst(report, name, "PAGE_CHANGED");
    expect(first.detail).toMatch(/\/Annots lists \d+ 0 R, an object of the signed revision/);
  });
});

describe(rule("signature.fill-empty-signature-field"), () => {
  const name = "signature.fill-empty-signature-field";

  it("allows the pre-placed empty signature field signed (value, appearance, flags, lock)", async () => {
    expect(ruleNamed(name).code).toBe("EMPTY_SIGNATURE_FIELD_SIGNED");
    const report = await validate(
      await seal(await acrobatSigned({ preplaced: true }), [fillPreplacedField()]),
    );
    const change = expectAllowed(report, name, "EMPTY_SIGNATURE_FIELD_SIGNED");
    expect(change).toMatchObject({ role: "field", class: "signature" });
    const keys = changesOf(report)
      .filter((c) => c.rule === name)
      .map((c) => /\/(\w+) updated$/.exec(c.detail)?.[1]);
    expect(keys.sort()).toEqual(["AP", "F", "Ff", "Lock", "MK", "V"]);
    expect(report.signatures[0]?.paintedAfter).toEqual([
      expect.objectContaining({ fieldName: PREPLACED_FIELD, page: 1, rect: [...PREPLACED_RECT], by: 1 }),
    ]);
  });

  it("refuses its /V pointed at an object of the signed revision (the document information)", async () => {
    // (A /V borrowing the person's signature dictionary never reaches change analysis: the two
    // fields then share one gap, BYTE_RANGE_OVERLAPS_OTHER_SIGNATURE.)
    const borrow: Edit = (session) => {
      const { ref, field } = preplacedField(session);
      session.set(ref, field.with({ V: session.file.trailer.getRef("Info")! }));
    };
    const report = await validate(unsignedUpdate(await acrobatSigned({ preplaced: true }), [borrow]));
    const person = report.signatures.findIndex((s) => s.fieldName === "Signature1");
    const first = expectRefusedFirst(report, name, "SIGNATURE_FIELD_CHANGED", person);
    expect(first.detail).toMatch(/\/V points to an object of the signed revision/);
  });

  it("refuses its /V that is not a signature dictionary", async () => {
    const fake: Edit = (session) => {
      const { ref, field } = preplacedField(session);
      session.set(ref, field.with({ V: session.add(new PdfDict([["Type", new PdfName("Sig")]])) }));
    };
    const report = await validate(unsignedUpdate(await acrobatSigned({ preplaced: true }), [fake]));
    const first = expectRefusedFirst(report, name, "SIGNATURE_FIELD_CHANGED");
    expect(first.detail).toMatch(/\/V is not a signature dictionary/);
  });
});

describe(rule("form.fill-empty-field"), () => {
  const name = "form.fill-empty-field";

  it("allows a text field empty at signing filled, under the form-filling policy", async () => {
    expect(ruleNamed(name).code).toBe("FORM_FIELD_FILLED");
    const filled = fillField(await shadowSigned(), SHADOW_TEXT.emptyField, "Da xem");
    const report = await validate(filled, "form-filling");
    expect(expectAllowed(report, name, "FORM_FIELD_FILLED")).toMatchObject({ class: "form" });
    expect(report.signatures[0]?.modification).toBe("form-filling");
  });

  it("(never refuses) a field valued at signing is refused by no rule, even under form-filling", async () => {
    const refilled = fillField(await shadowSigned(), SHADOW_TEXT.field, "900.000.000");
    const report = await validate(refilled, "form-filling");
    expect(report.verdict).not.toBe("TOTAL_PASSED");
    expect(changesOf(report)).toEqual([
      expect.objectContaining({
        rule: "refused:field",
        verdict: "refused",
        code: "SIGNED_FORM_VALUE_CHANGED",
      }),
      expect.objectContaining({
        rule: "refused:widget",
        verdict: "refused",
        code: "SIGNED_FORM_VALUE_CHANGED",
      }),
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// What finish() checks of new signature fields
// ---------------------------------------------------------------------------------------------

describe("signature.new-signature-field (JudgeContext.finish)", () => {
  const name = "signature.new-signature-field";

  it("allows a new signature field with a visible widget, and reports the painting", async () => {
    const report = await validate(await seal(await signed(), [newSignatureField()]));
    expect(expectAllowed(report, name, "SIGNATURE_FIELD_ADDED")).toMatchObject({
      role: "field",
      class: "signature",
    });
    expect(report.signatures[0]?.paintedAfter).toEqual([
      expect.objectContaining({ fieldName: "Seal", kind: "signature", page: 1, rect: [85, 90, 245, 210] }),
    ]);
  });

  it("allows a document timestamp with an invisible widget", async () => {
    const stamped = await timestampUpdate(await signed(), tsa.client, [
      newSignatureField({ name: "Timestamp1", rect: [0, 0, 0, 0] }),
    ]);
    const report = await validate(stamped);
    expect(report.signatures.map((s) => s.kind)).toEqual(["pdf-signature", "document-timestamp"]);
    expect(expectAllowed(report, name, "DOCUMENT_TIMESTAMP_ADDED")).toMatchObject({ class: "validation" });
    expect(report.signatures[0]?.paintedAfter).toEqual([]);
  });

  it("refuses a new field that is not a signature field (FORM_FIELD_ADDED)", async () => {
    const report = await validate(unsignedUpdate(await signed(), [addTextField()]));
    const first = expectRefusedFirst(report, name, "FORM_FIELD_ADDED");
    expect(first.detail).toMatch(/"so_tien_moi" is not a signature field/);
  });

  it("refuses a new empty signature field (EMPTY_SIGNATURE_FIELD_ADDED), and its widget as an annotation", async () => {
    const empty = unsignedUpdate(await signed(), [
      newSignatureField({ name: "Overlay" }),
      editNewestField((field) => field.with({ V: undefined })),
    ]);
    const report = await validate(empty);
    const first = expectRefusedFirst(report, name, "EMPTY_SIGNATURE_FIELD_ADDED");
    expect(first.detail).toMatch(/"Overlay" holds no new signature/);
    expect(changesOf(report)).toContainEqual(
      expect.objectContaining({
        rule: "signature.page-annots",
        verdict: "refused",
        code: "ANNOTATION_ADDED",
      }),
    );
  });

  it("refuses a new signature whose widget carries an action (WIDGET_ACTION_ADDED)", async () => {
    const action = new PdfDict([
      ["S", new PdfName("URI")],
      ["URI", textString("https://thanhtoan.example")],
    ]);
    const report = await validate(
      await seal(await signed(), [
        newSignatureField(),
        editNewestField((field) => field.with({ A: action })),
      ]),
    );
    const first = expectRefusedFirst(report, name, "WIDGET_ACTION_ADDED");
    expect(first.detail).toMatch(/carries an action \(\/A or \/AA\)/);
  });

  it("refuses a new signature whose widget is a signed annotation (WIDGET_CHANGED)", async () => {
    const report = await validate(
      await seal(await acrobatSigned(), [
        newSignatureField(),
        editNewestField((field, session) => field.with({ Kids: [linkAnnotation(session)] })),
      ]),
    );
    const first = expectRefusedFirst(report, name, "WIDGET_CHANGED");
    expect(first.detail).toMatch(/a widget is not a new annotation/);
  });

  it("refuses a document timestamp whose widget paints on the page (DOCUMENT_TIMESTAMP_VISIBLE)", async () => {
    const stamped = await timestampUpdate(await signed(), tsa.client, [
      newSignatureField({ name: "Timestamp1" }),
    ]);
    const report = await validate(stamped);
    const first = expectRefusedFirst(report, name, "DOCUMENT_TIMESTAMP_VISIBLE");
    expect(first).toMatchObject({ role: "widget" });
    expect(first.detail).toMatch(/paints on page 1/);
  });

  it("refuses a visible new widget with NoRotate (WIDGET_UNANCHORED)", async () => {
    const report = await validate(
      await seal(await signed(), [
        newSignatureField(),
        editNewestField((field) => field.with({ F: 4 | 16 })),
      ]),
    );
    const first = expectRefusedFirst(report, name, "WIDGET_UNANCHORED");
    expect(first).toMatchObject({ role: "widget" });
    expect(report.signatures[0]?.paintedAfter).toEqual([]);
  });

  it("refuses an annotation that is not a new signature's widget (ANNOTATION_ADDED, signature.page-annots)", async () => {
    const report = await validate(unsignedUpdate(await signed(), [addFreeTextAnnotation()]));
    const first = expectRefusedFirst(report, "signature.page-annots", "ANNOTATION_ADDED");
    expect(first).toMatchObject({ role: "annotation", detail: expect.stringMatching(/\/FreeText\) added/) });
  });

  // A pre-placed signature field Hidden at signing with an appearance, filled by a document
  // timestamp that only clears the Hidden flag, paints on the page (poppler shows its text): a
  // filled field is a painting when any of /AP, /AS, /MK, /F changed.
  const unhidden = once(async () => {
    const letter = unsignedUpdate(await acrobatLikeLetter({ preplaced: true }), [
      hidePreplacedWithAppearance(),
    ]);
    const prepared = await signAll(letter, [pki.person]);
    const stamped = await timestampUpdate(prepared, tsa.client, [fillPreplacedKeepingAppearance(4)]);
    return { prepared, stamped };
  });

  it("(the gap's case is what it claims) Hidden with an appearance at signing; the timestamp only clears the flag", async () => {
    const { prepared, stamped } = await unhidden();
    const before = preplacedField(new UpdateSession(prepared)).field;
    const after = preplacedField(new UpdateSession(stamped)).field;
    expect(before.getNumber("F")).toBe(2);
    expect(before.get("V")).toBeUndefined();
    expect(after.getNumber("F")).toBe(4);
    expect(after.getDict("AP")?.get("N")).toEqual(before.getDict("AP")?.get("N"));
    const report = await validate(stamped);
    // Both signatures are sound as signatures: the person's digest matches, the timestamp passes.
    expect(report.signatures.map((s) => [s.fieldName, s.kind])).toEqual([
      ["Signature1", "pdf-signature"],
      [PREPLACED_FIELD, "document-timestamp"],
    ]);
    expect(report.signatures[0]?.checks.find((c) => c.name === "message-digest")?.status).toBe("passed");
    expect(report.signatures[1]?.indication).toBe("TOTAL_PASSED");
  });

  it("refuses a document timestamp that unhides a pre-placed field's signed appearance", async () => {
    const report = await validate((await unhidden()).stamped);
    expect(report.verdict).not.toBe("TOTAL_PASSED");
    expect(changesOf(report)[0]).toMatchObject({ verdict: "refused", code: "DOCUMENT_TIMESTAMP_VISIBLE" });
  });
});

// ---------------------------------------------------------------------------------------------
// Policies
// ---------------------------------------------------------------------------------------------

describe("policies", () => {
  it("list only rules of RULES; form-filling is letter plus form.fill-empty-field", () => {
    const names = new Set(RULES.map((r) => r.name));
    for (const policy of [LETTER_POLICY, FORM_FILLING_POLICY, DOCMDP_NO_CHANGES_POLICY]) {
      expect(
        policy.rules.filter((r) => !names.has(r)),
        policy.name,
      ).toEqual([]);
    }
    expect(CHANGE_POLICIES).toEqual({ letter: LETTER_POLICY, "form-filling": FORM_FILLING_POLICY });
    expect(LETTER_POLICY.rules).not.toContain("form.fill-empty-field");
    expect(FORM_FILLING_POLICY.rules).toEqual([...LETTER_POLICY.rules, "form.fill-empty-field"]);
    expect(DOCMDP_NO_CHANGES_POLICY).toMatchObject({ newSignatures: "document-timestamps" });
    expect([...DOCMDP_NO_CHANGES_POLICY.rules].sort()).toEqual([
      "signature.acroform-fields",
      "signature.acroform-sigflags",
      "signature.catalog-acroform",
      "signature.page-annots",
      "validation.catalog-dss",
      "validation.dss-update",
    ]);
  });

  it("letter (the default) excludes form.fill-empty-field: filling an empty field is refused", async () => {
    const filled = fillField(await shadowSigned(), SHADOW_TEXT.emptyField, "Da xem");
    const report = await validate(filled);
    expect(report.verdict).not.toBe("TOTAL_PASSED");
    expect(changesOf(report)).toEqual([
      expect.objectContaining({ rule: "refused:field", verdict: "refused", code: "FIELD_CHANGED" }),
      expect.objectContaining({ rule: "refused:widget", verdict: "refused", code: "WIDGET_CHANGED" }),
    ]);
    // The same file under form-filling: allowed by the rule the letter policy leaves out.
    expectAllowed(await validate(filled, "form-filling"), "form.fill-empty-field", "FORM_FIELD_FILLED");
  });

  it("letter refuses content a countersignature brings along (a FreeText annotation), its field allowed", async () => {
    const report = await validate(await seal(await signed(), [newSignatureField(), addFreeTextAnnotation()]));
    expectRefusedFirst(report, "signature.page-annots", "ANNOTATION_ADDED");
    expect(changesOf(report)).toContainEqual(
      expect.objectContaining({
        rule: "signature.new-signature-field",
        verdict: "allowed",
        code: "SIGNATURE_FIELD_ADDED",
      }),
    );
  });

  describe("docmdp-no-changes (a certification with DocMDP /P 1)", () => {
    it("refuses a countersignature (DOCMDP_NO_CHANGES_ALLOWED)", async () => {
      const countersigned = await signWith([pki.organisation], { pdf: await certifiedP1() });
      const report = await validate(countersigned);
      expect(report.signatures[0]?.certificationLevel).toBe(1);
      const first = expectRefusedFirst(report, "signature.new-signature-field", "DOCMDP_NO_CHANGES_ALLOWED");
      expect(first.detail).toMatch(/allows no new signatures \(\/P 1\)/);
    });

    it("allows a DSS update", async () => {
      const report = await validate(unsignedUpdate(await certifiedP1(), [addDss(pki.intermediateCrl)]));
      expect(report.signatures[0]?.certificationLevel).toBe(1);
      expectAllowed(report, "validation.dss-update", "VALIDATION_DATA_UPDATED");
    });

    it("allows a document timestamp with an invisible widget", async () => {
      const stamped = await timestampUpdate(await certifiedP1(), tsa.client, [
        newSignatureField({ name: "Timestamp1", rect: [0, 0, 0, 0] }),
      ]);
      expectAllowed(await validate(stamped), "signature.new-signature-field", "DOCUMENT_TIMESTAMP_ADDED");
    });

    it("refuses what the letter policy allows: the document information updated", async () => {
      const report = await validate(unsignedUpdate(await certifiedP1(), [setInfo({ ModDate: MOD_DATE })]));
      expectRefusedFirst(report, "refused:info", "OBJECT_CHANGED");
    });

    it("refuses what the letter policy allows: /Version raised", async () => {
      const report = await validate(unsignedUpdate(await certifiedP1(), [raiseVersion()]));
      expectRefusedFirst(report, "refused:catalog", "CATALOG_CHANGED");
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Completeness
// ---------------------------------------------------------------------------------------------

describe("completeness", () => {
  it("has one block per rule of RULES, and none for a rule that does not exist", () => {
    expect(new Set(covered).size).toBe(covered.length);
    expect([...covered].sort()).toEqual(RULES.map((r) => r.name).sort());
  });
});
