/**
 * Structure-aware fuzzing of signed letters for the rendering oracle (render-oracle.ts): from a
 * correctly signed base letter (the project's own signer; one and two signatures; classic xref
 * tables and xref streams with object streams; a letter with form fields, optional content and a
 * shared XObject; a certified letter; letters whose signed content refers to objects that do not
 * exist; a rotated page with an offset MediaBox; a signed, timestamped and sealed letter), a case
 * appends one to three incremental revisions, each made of one or more mutations:
 *
 * - attacks: redefined objects (page content streams, fonts, resources, page dicts, the catalog, the
 *   page tree, annotations, XObjects, the AcroForm); re-roled objects (a /DSS, /Metadata, /Info,
 *   /AcroForm /DR, /Names, /OpenAction … pointing at signed objects, which are then rewritten);
 *   redefined object streams and objects moved into new object streams; dangling references filled
 *   in; new annotations and widgets with random rects, flags and appearances; a new catalog through
 *   the trailer's /Root; signed objects freed or given another generation; objects only a reader
 *   that rebuilds the xref sees (no entry, or a second definition, next to a wrong offset); a /Prev
 *   that skips revisions; visible document timestamps; signatures by an untrusted signer; and
 *   signatures (or timestamps) whose own revision carries more (their appearance, dictionary or
 *   widget written over a signed object or into a dangling reference, the page's other annotations
 *   dropped, /NeedAppearances, any attack above);
 * - legitimate changes, which should pass: genuine new signatures (visible or not, by `signPdf` or
 *   written here), invisible document timestamps, /Info, XMP /Metadata, /Version, /Extensions, new
 *   validation data (/DSS);
 * - neutral changes that show nothing (identical rewrites, /OpenAction, page labels, re-roling
 *   without rewriting), which the verifier may pass or not;
 * - form filling of an empty field, which changes what is shown inside the field.
 *
 * Everything is driven by a seeded PRNG ({@link Rng}): `makeFuzzCase(seed, context)` always makes
 * the same file from the same seed and bases (print the seed to replay a case). Each step records
 * its kind and intent so that failures can be grouped by class.
 *
 * @example
 * const context = { bases: await buildFuzzBases(signers), signers, tsa: tsa.client };
 * const fuzzCase = await makeFuzzCase(12345, context);
 * const report = await validatePdf(fuzzCase.bytes, options);
 */
import { deflateSync } from "node:zlib";
import { createCmsSignature } from "../../shared/cms/create-cms-signature.ts";
import { estimateCmsSize } from "../../shared/cms/estimate-cms-size.ts";
import { isExchangeError } from "../../shared/errors/index.ts";
import { hashByteRange } from "../../shared/pdf/byte-range.ts";
import { insertSignaturePlaceholder } from "../../shared/pdf/insert-signature-placeholder.ts";
import {
  name,
  PdfDict,
  PdfName,
  type PdfObject,
  PdfRef,
  PdfStream,
  textString,
} from "../../shared/pdf/objects.ts";
import { listPages, type PdfPage } from "../../shared/pdf/pages.ts";
import { type PdfFile, readPdf } from "../../shared/pdf/read-pdf.ts";
import { formatObject, serializeBody } from "../../shared/pdf/serialize.ts";
import {
  buildSignatureDictionary,
  embedSignatureContents,
  patchByteRange,
} from "../../shared/pdf/signature-placeholder.ts";
import { decodeStream } from "../../shared/pdf/stream-decode.ts";
import { signPdf } from "../../shared/signing/sign-pdf.ts";
import type { ValidationReport } from "../../shared/verification/report.ts";
import {
  type CorpusSigners,
  certifyPdf,
  fillField,
  makeShadowLetter,
  SHADOW_TEXT,
  signAll,
  signerOf,
} from "./attacks.ts";
import { sealImage, signatureImage } from "./images.ts";
import { LETTER, makeLetterPdf, rawPdf, toXrefStreamPdf } from "./pdf.ts";
import type { IssuedCert } from "./pki.ts";
import { checkRendering, type OracleDifference, type OracleOptions, saveFailure } from "./render-oracle.ts";

// ---------------------------------------------------------------------------------------------
// Seeded PRNG
// ---------------------------------------------------------------------------------------------

/** mulberry32: small, fast, good enough to pick mutations; the same seed gives the same sequence. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = (Math.imul(seed >>> 0, 0x9e3779b1) ^ 0x5bd1e995) >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  between(min: number, max: number): number {
    return min + this.next() * (max - min);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) {
      throw new RangeError("pick from nothing");
    }
    return items[this.int(items.length)]!;
  }
  weighted<T>(items: readonly (readonly [number, T])[]): T {
    const total = items.reduce((sum, [weight]) => sum + weight, 0);
    let at = this.next() * total;
    for (const [weight, item] of items) {
      at -= weight;
      if (at < 0) {
        return item;
      }
    }
    return items[items.length - 1]![1];
  }
}

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

/**
 * What a step is meant to be: `legit` should pass and shows nothing new outside new signatures'
 * widgets; `attack` changes what is shown (or is signed by an untrusted signer); `neutral` changes
 * structure but not what is shown; `allowed-visible` is allowed by the verifier's policy (form
 * filling) but changes what is shown.
 */
export type Intent = "legit" | "attack" | "neutral" | "allowed-visible";

export interface FuzzStep {
  /** Mutation kind, e.g. "redefine-content", "sign-visible", "re-role-dss+rewrite". */
  readonly kind: string;
  readonly intent: Intent;
  /** What exactly was done (objects, variants). */
  readonly detail: string;
}

/** A reference in a base letter's signed content to an object that does not exist. */
export interface DanglingRef {
  readonly objectNumber: number;
  /** What the signed content uses it as. */
  readonly role: "xobject" | "font" | "annotation";
  /** Resource name (xobject/font) under which the page uses it. */
  readonly resource?: string;
}

export interface FuzzBase {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly signatures: number;
  /** The empty text field that form filling may fill. */
  readonly emptyField?: string;
  readonly dangling?: readonly DanglingRef[];
}

/** A time-stamping authority (RFC 3161): what the fuzzer asks of the project's TSA client. */
export interface FuzzTsa {
  timestamp(messageImprint: Uint8Array, hashAlgorithm: "sha256"): Promise<Uint8Array>;
}

export interface FuzzContext {
  readonly bases: readonly FuzzBase[];
  readonly signers: CorpusSigners;
  /** For document timestamps; without it no timestamp steps are made. */
  readonly tsa?: FuzzTsa;
}

export interface FuzzCase {
  readonly seed: number;
  readonly base: string;
  readonly steps: readonly FuzzStep[];
  readonly bytes: Uint8Array;
  /** The case's intent: attack if any step is one, else allowed-visible, else neutral, else legit. */
  readonly intent: Intent;
}

/** A short class name of a case: base kind-free list of its step kinds, e.g. "redefine-font>sign". */
export function caseClass(fuzzCase: FuzzCase): string {
  return fuzzCase.steps.map((step) => step.kind).join(">") || "(none)";
}

// ---------------------------------------------------------------------------------------------
// Bytes and a revision writer (type-1 and type-2 entries, tables and xref streams)
// ---------------------------------------------------------------------------------------------

/** A dictionary from an object literal (keys without the slash). */
function dictOf(entries: Readonly<Record<string, PdfObject>>): PdfDict {
  return new PdfDict(Object.entries(entries));
}

/** A Type 1 standard-14 font dictionary. */
function standardFont(baseFont: string): PdfDict {
  return dictOf({ Type: name("Font"), Subtype: name("Type1"), BaseFont: name(baseFont) });
}

function latin1(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "latin1"));
}

/** A new version of an object, written plainly (type-1 entry). */
export interface RawObject {
  readonly objectNumber: number;
  readonly generation?: number;
  readonly value: PdfObject;
  /** The serialised body (between `N G obj` and `endobj`) instead of `value`. */
  readonly body?: Uint8Array;
}

/** One incremental revision to append. */
export interface RevisionPlan {
  readonly objects: readonly RawObject[];
  /** Objects to put in one new object stream (type-2 entries): no streams, generation 0. */
  readonly packed?: readonly RawObject[];
  /** Extra type-2 entries pointing into an object stream written in `objects`. */
  readonly compressedEntries?: readonly {
    readonly objectNumber: number;
    readonly streamNumber: number;
    readonly index: number;
  }[];
  /** Objects written in the body after the others, without a cross-reference entry. */
  readonly hidden?: readonly RawObject[];
  /** Raw bytes written in the body after those (no entry): e.g. an object header no scan expects. */
  readonly raw?: readonly Uint8Array[];
  /** Spaces written between the `startxref` offset and the last `%%EOF`. */
  readonly padBeforeEof?: number;
  /** Newlines written after the last `%%EOF`. */
  readonly padAfterEof?: number;
  /** Entries made free (type 0 / "f"), with the generation given (default the old one + 1). */
  readonly free?: readonly { readonly objectNumber: number; readonly generation: number }[];
  /** Entry offsets moved by `delta` bytes (a wrong offset makes poppler rebuild the xref by scanning). */
  readonly skew?: readonly { readonly objectNumber: number; readonly delta: number }[];
  /** Trailer entries to set (undefined deletes); Root, Info and ID are carried over otherwise. */
  readonly trailer?: Readonly<Record<string, PdfObject | undefined>>;
  /** /Prev: default the newest section (another value skips revisions for readers following /Prev). */
  readonly prev?: number;
  /** Default the newest section's kind; "stream" whenever type-2 entries are written. */
  readonly xref?: "table" | "stream";
  /** Compress the new object stream (default false). */
  readonly compressObjectStream?: boolean;
}

type Entry =
  | { readonly type: 0; readonly generation: number }
  | { readonly type: 1; readonly offset: number; readonly generation: number }
  | { readonly type: 2; readonly streamNumber: number; readonly index: number };

/** The body of an object stream holding `members` (ISO 32000-1 §7.5.7). */
export function objectStream(members: readonly RawObject[], compress: boolean): PdfStream {
  const bodies = members.map((member) => formatObject(member.value));
  let offset = 0;
  const pairs: string[] = [];
  for (const [i, member] of members.entries()) {
    pairs.push(`${member.objectNumber} ${offset}`);
    offset += bodies[i]!.length + 1;
  }
  const header = `${pairs.join(" ")}\n`;
  const data = latin1(header + bodies.join("\n") + "\n");
  const dict = dictOf({ Type: name("ObjStm"), N: members.length, First: header.length });
  if (compress) {
    dict.map.set("Filter", name("FlateDecode"));
    return new PdfStream(dict, new Uint8Array(deflateSync(data)));
  }
  return new PdfStream(dict, data);
}

/** Appends one revision to `bytes` as planned; never changes a byte of `bytes`. */
export function writeRevision(bytes: Uint8Array, plan: RevisionPlan): Uint8Array {
  return writeRevisionAt(bytes, plan).bytes;
}

/** {@link writeRevision}, with the file offset of each plainly written object's body. */
export function writeRevisionAt(
  bytes: Uint8Array,
  plan: RevisionPlan,
): { bytes: Uint8Array; bodyOffsets: Map<number, number> } {
  const file = readPdf(bytes);
  const newest = file.revisions[file.revisions.length - 1]!;
  const packed = plan.packed ?? [];
  const compressed = plan.compressedEntries ?? [];
  const kind = packed.length > 0 || compressed.length > 0 ? "stream" : (plan.xref ?? newest.xrefKind);
  const chunks: Uint8Array[] = [bytes];
  let position = bytes.length;
  const push = (chunk: string | Uint8Array): void => {
    const data = typeof chunk === "string" ? latin1(chunk) : chunk;
    chunks.push(data);
    position += data.length;
  };
  if (bytes[bytes.length - 1] !== 0x0a && bytes[bytes.length - 1] !== 0x0d) {
    push("\n");
  }
  const entries = new Map<number, Entry>();
  const bodyOffsets = new Map<number, number>();
  let size = file.trailer.getNumber("Size") ?? 1;
  const bump = (n: number): void => {
    size = Math.max(size, n + 1);
  };
  const writeObject = (object: RawObject, withEntry = true): void => {
    const generation = object.generation ?? 0;
    if (withEntry) {
      entries.set(object.objectNumber, { type: 1, offset: position, generation });
      bump(object.objectNumber);
    }
    push(`${object.objectNumber} ${generation} obj\n`);
    bodyOffsets.set(object.objectNumber, position);
    push(object.body ?? serializeBody(object.value));
    push("\nendobj\n");
  };
  for (const object of plan.objects) {
    writeObject(object);
  }
  for (const member of [...packed, ...plan.objects]) {
    bump(member.objectNumber);
  }
  if (packed.length > 0) {
    const streamNumber = size;
    packed.forEach((member, index) => {
      entries.set(member.objectNumber, { type: 2, streamNumber, index });
    });
    writeObject({
      objectNumber: streamNumber,
      value: objectStream(packed, plan.compressObjectStream ?? false),
    });
  }
  for (const entry of compressed) {
    entries.set(entry.objectNumber, { type: 2, streamNumber: entry.streamNumber, index: entry.index });
    bump(entry.objectNumber);
  }
  for (const object of plan.hidden ?? []) {
    writeObject(object, false);
  }
  for (const chunk of plan.raw ?? []) {
    push(chunk);
  }
  for (const { objectNumber, generation } of plan.free ?? []) {
    entries.set(objectNumber, { type: 0, generation });
    bump(objectNumber);
  }
  for (const { objectNumber, delta } of plan.skew ?? []) {
    const entry = entries.get(objectNumber);
    if (entry?.type === 1) {
      entries.set(objectNumber, { ...entry, offset: Math.max(0, entry.offset + delta) });
    }
  }
  const trailer = new PdfDict();
  for (const key of ["Root", "Info", "ID"]) {
    const value = file.trailer.get(key);
    if (value !== undefined) {
      trailer.map.set(key, value);
    }
  }
  for (const [key, value] of Object.entries(plan.trailer ?? {})) {
    if (value === undefined) {
      trailer.map.delete(key);
    } else {
      trailer.map.set(key, value);
    }
  }
  trailer.map.set("Prev", plan.prev ?? newest.startxref);
  const startxref = position;
  const eof = `${" ".repeat(plan.padBeforeEof ?? 0)}%%EOF\n${"\n".repeat(plan.padAfterEof ?? 0)}`;
  if (kind === "table") {
    trailer.map.set("Size", size);
    let xref = "xref\n0 1\n0000000000 65535 f \n";
    for (const [first, count] of runs([...entries.keys()].filter((n) => n !== 0))) {
      xref += `${first} ${count}\n`;
      for (let n = first; n < first + count; n++) {
        const entry = entries.get(n)!;
        const generation = String(entry.type === 2 ? 0 : entry.generation).padStart(5, "0");
        xref +=
          entry.type === 1
            ? `${String(entry.offset).padStart(10, "0")} ${generation} n \n`
            : `0000000000 ${generation} f \n`;
      }
    }
    push(`${xref}trailer\n${formatObject(trailer)}\nstartxref\n${startxref}\n${eof}`);
  } else {
    const xrefNumber = size;
    entries.set(xrefNumber, { type: 1, offset: position, generation: 0 });
    size = xrefNumber + 1;
    const numbers = [...entries.keys()].sort((a, b) => a - b);
    const row = 7;
    const data = new Uint8Array(numbers.length * row);
    numbers.forEach((n, i) => {
      const entry = entries.get(n)!;
      const at = i * row;
      data[at] = entry.type;
      const field2 = entry.type === 1 ? entry.offset : entry.type === 2 ? entry.streamNumber : 0;
      const field3 = entry.type === 2 ? entry.index : entry.generation;
      data[at + 1] = (field2 >>> 24) & 0xff;
      data[at + 2] = (field2 >>> 16) & 0xff;
      data[at + 3] = (field2 >>> 8) & 0xff;
      data[at + 4] = field2 & 0xff;
      data[at + 5] = (field3 >>> 8) & 0xff;
      data[at + 6] = field3 & 0xff;
    });
    const dict = new PdfDict([
      ["Type", name("XRef")],
      ["Size", size],
      ["W", [1, 4, 2]],
      ["Index", runs(numbers).flat()],
      ...trailer.map,
    ]);
    push(`${xrefNumber} 0 obj\n`);
    push(serializeBody(new PdfStream(dict, data)));
    push(`\nendobj\nstartxref\n${startxref}\n${eof}`);
  }
  return { bytes: new Uint8Array(Buffer.concat(chunks)), bodyOffsets };
}

function runs(numbers: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  for (const n of [...numbers].sort((a, b) => a - b)) {
    const last = out[out.length - 1];
    if (last && last[0] + last[1] === n) {
      last[1]++;
    } else {
      out.push([n, 1]);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading the current state
// ---------------------------------------------------------------------------------------------

interface State {
  readonly bytes: Uint8Array;
  /** The case uses legitimate steps only. */
  readonly legitOnly: boolean;
  readonly file: PdfFile;
  readonly rng: Rng;
  readonly base: FuzzBase;
  readonly context: FuzzContext;
  /** Next free object number (shared by the mutations of one revision). */
  alloc(): number;
}

function newState(
  bytes: Uint8Array,
  rng: Rng,
  base: FuzzBase,
  context: FuzzContext,
  legitOnly = false,
): State {
  const file = readPdf(bytes);
  let next = Math.max(file.trailer.getNumber("Size") ?? 1, 1);
  // Never hand out a number a dangling reference of the base uses: filling those is its own mutation.
  const reserved = new Set((base.dangling ?? []).map((d) => d.objectNumber));
  return {
    bytes,
    legitOnly,
    file,
    rng,
    base,
    context,
    alloc() {
      while (reserved.has(next)) {
        next++;
      }
      return next++;
    },
  };
}

function catalogOf(file: PdfFile): { ref: PdfRef; dict: PdfDict } {
  const ref = file.trailer.getRef("Root");
  const dict = ref ? file.resolve(ref) : undefined;
  if (!ref || !(dict instanceof PdfDict)) {
    throw new Error("no catalog");
  }
  return { ref, dict };
}

function pagesOf(file: PdfFile): PdfPage[] {
  return listPages(file);
}

function asRefs(value: PdfObject | undefined, file: PdfFile): PdfRef[] {
  const resolved = value instanceof PdfRef ? file.resolve(value) : value;
  if (value instanceof PdfRef && resolved instanceof PdfStream) {
    return [value];
  }
  const list = Array.isArray(resolved) ? resolved : [];
  return list.filter((item): item is PdfRef => item instanceof PdfRef);
}

function contentRefs(file: PdfFile, page: PdfPage): PdfRef[] {
  return asRefs(page.dict.get("Contents"), file);
}

function resourcesOf(file: PdfFile, dict: PdfDict): PdfDict | undefined {
  const resources = file.deref(dict.get("Resources"));
  return resources instanceof PdfDict ? resources : undefined;
}

/** The references of a resource category (/Font, /XObject) of a resource dictionary. */
function resourceRefs(file: PdfFile, resources: PdfDict | undefined, category: string): PdfRef[] {
  const group = resources ? file.deref(resources.get(category)) : undefined;
  if (!(group instanceof PdfDict)) {
    return [];
  }
  return [...group.map.values()].filter((v): v is PdfRef => v instanceof PdfRef);
}

function annotRefs(file: PdfFile, page: PdfPage): PdfRef[] {
  return asRefs(page.dict.get("Annots"), file);
}

/** Appearance streams (/AP /N, direct or per state) of an annotation. */
function appearanceRefs(file: PdfFile, annot: PdfDict): PdfRef[] {
  const ap = file.deref(annot.get("AP"));
  if (!(ap instanceof PdfDict)) {
    return [];
  }
  const out: PdfRef[] = [];
  for (const value of ap.map.values()) {
    if (value instanceof PdfRef) {
      const resolved = file.resolve(value);
      if (resolved instanceof PdfStream) {
        out.push(value);
      } else if (resolved instanceof PdfDict) {
        out.push(...[...resolved.map.values()].filter((v): v is PdfRef => v instanceof PdfRef));
      }
    } else if (value instanceof PdfDict) {
      out.push(...[...value.map.values()].filter((v): v is PdfRef => v instanceof PdfRef));
    }
  }
  return out;
}

/** The objects of the current file by role, as the newest revision sees them. */
interface Inventory {
  readonly pages: PdfPage[];
  readonly contents: PdfRef[];
  readonly fonts: PdfRef[];
  readonly xobjects: PdfRef[];
  readonly annots: PdfRef[];
  readonly resources: PdfRef[];
}

function inventory(file: PdfFile): Inventory {
  const pages = pagesOf(file);
  const unique = (refs: PdfRef[]): PdfRef[] => {
    const seen = new Set<number>();
    return refs.filter((ref) => !seen.has(ref.objectNumber) && seen.add(ref.objectNumber) !== undefined);
  };
  const contents: PdfRef[] = [];
  const fonts: PdfRef[] = [];
  const xobjects: PdfRef[] = [];
  const annots: PdfRef[] = [];
  const resources: PdfRef[] = [];
  const visitResources = (owner: PdfDict): void => {
    const value = owner.get("Resources");
    if (value instanceof PdfRef) {
      resources.push(value);
    }
    const dict = resourcesOf(file, owner);
    fonts.push(...resourceRefs(file, dict, "Font"));
    for (const ref of resourceRefs(file, dict, "XObject")) {
      if (file.resolve(ref) instanceof PdfStream) {
        xobjects.push(ref);
      }
    }
  };
  for (const page of pages) {
    contents.push(...contentRefs(file, page));
    visitResources(page.dict);
    for (const ref of annotRefs(file, page)) {
      annots.push(ref);
      const annot = file.resolve(ref);
      if (annot instanceof PdfDict) {
        for (const ap of appearanceRefs(file, annot)) {
          xobjects.push(ap);
          const stream = file.resolve(ap);
          if (stream instanceof PdfStream) {
            visitResources(stream.dict);
          }
        }
      }
    }
  }
  // Form XObjects' own resources (images inside a signature appearance, one level down).
  for (const ref of [...xobjects]) {
    const stream = file.resolve(ref);
    if (stream instanceof PdfStream) {
      visitResources(stream.dict);
    }
  }
  return {
    pages,
    contents: unique(contents),
    fonts: unique(fonts),
    xobjects: unique(xobjects),
    annots: unique(annots),
    resources: unique(resources),
  };
}

function decoded(stream: PdfStream): Uint8Array | undefined {
  try {
    return decodeStream(stream, { maxBytes: 16 << 20 });
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Changes to objects
// ---------------------------------------------------------------------------------------------

/** A plain or Flate stream with `data` and `dict`'s other entries. */
function newStream(rng: Rng, dict: PdfDict, data: Uint8Array): PdfStream {
  const base = dict.with({ Filter: undefined, DecodeParms: undefined, Length: undefined, DL: undefined });
  if (rng.chance(0.5)) {
    return new PdfStream(base.with({ Filter: name("FlateDecode") }), new Uint8Array(deflateSync(data)));
  }
  return new PdfStream(base, data);
}

function randomBox(rng: Rng, page?: PdfPage): [number, number, number, number] {
  const [x1, y1, x2, y2] = page?.mediaBox ?? [0, 0, 595, 842];
  const w = rng.between(20, Math.max(30, (x2 - x1) * 0.6));
  const h = rng.between(10, Math.max(20, (y2 - y1) * 0.25));
  const x = rng.between(x1, Math.max(x1 + 1, x2 - w));
  const y = rng.between(y1, Math.max(y1 + 1, y2 - h));
  return [Math.round(x), Math.round(y), Math.round(w), Math.round(h)];
}

/** Changes a content stream's data; `same` keeps it as is (a neutral rewrite). */
function alterContent(
  rng: Rng,
  data: Uint8Array,
  page?: PdfPage,
): { data: Uint8Array; how: string; neutral: boolean } {
  const text = Buffer.from(data).toString("latin1");
  const [x, y, w, h] = randomBox(rng, page);
  const how = rng.weighted<string>([
    [3, "cover"],
    [3, "mark"],
    [3, "glyph"],
    [1, "empty"],
    [1, "scale"],
    [2, "same"],
  ]);
  switch (how) {
    case "cover":
      return { data: latin1(`${text}\nq 1 g ${x} ${y} ${w} ${h} re f Q\n`), how, neutral: false };
    case "mark":
      return { data: latin1(`${text}\nq 0 0 0 rg ${x} ${y} ${w} ${h} re f Q\n`), how, neutral: false };
    case "glyph": {
      // Replace one character code of a string shown with another code of the same stream.
      const hex = [...text.matchAll(/<([0-9A-Fa-f]{8,})>/g)];
      if (hex.length > 0) {
        const match = rng.pick(hex);
        const groups = match[1]!.match(/.{4}/g) ?? [];
        const all = hex.flatMap((m) => m[1]!.match(/.{4}/g) ?? []);
        const i = rng.int(groups.length);
        const replacement = all.find((g) => g !== groups[i]) ?? "0003";
        groups[i] = replacement;
        const start = match.index!;
        const changed = `${text.slice(0, start)}<${groups.join("")}>${text.slice(start + match[0].length)}`;
        return { data: latin1(changed), how: "glyph-hex", neutral: false };
      }
      const digits = [...text.matchAll(/\(([^()\\]*\d[^()\\]*)\)/g)];
      if (digits.length > 0) {
        const match = rng.pick(digits);
        const inner = match[1]!.replace(/\d/, (d) => String((Number(d) + 1 + rng.int(8)) % 10));
        const start = match.index!;
        const changed = `${text.slice(0, start)}(${inner})${text.slice(start + match[0].length)}`;
        return { data: latin1(changed), how: "glyph-literal", neutral: false };
      }
      return { data: latin1(`${text}\nq 0 g ${x} ${y} ${w} 2 re f Q\n`), how: "underline", neutral: false };
    }
    case "empty":
      return { data: new Uint8Array(0), how, neutral: false };
    case "scale":
      return { data: latin1(`q 0.9 0 0 0.9 25 25 cm\n${text}\nQ\n`), how, neutral: false };
    default:
      return { data, how: "same", neutral: true };
  }
}

interface Change {
  readonly value: PdfObject;
  readonly how: string;
  readonly neutral: boolean;
  /** Further new objects the change needs. */
  readonly extra?: readonly RawObject[];
}

function changeStreamObject(s: State, stream: PdfStream, page?: PdfPage): Change | undefined {
  const subtype = stream.dict.getName("Subtype");
  if (subtype === "Image") {
    const width = stream.dict.getNumber("Width") ?? 1;
    const height = stream.dict.getNumber("Height") ?? 1;
    const space = s.file.deref(stream.dict.get("ColorSpace"));
    const components = space instanceof PdfName && space.value === "DeviceRGB" ? 3 : 1;
    const bpc = stream.dict.getNumber("BitsPerComponent") ?? 8;
    const length = Math.ceil((width * components * bpc) / 8) * height;
    if (length > 8 << 20) {
      return undefined;
    }
    const fill = s.rng.pick([0, 0x80, 0xff]);
    return {
      value: newStream(s.rng, stream.dict, new Uint8Array(length).fill(fill)),
      how: `image-fill-${fill}`,
      neutral: false,
    };
  }
  const data = decoded(stream);
  if (!data) {
    return undefined;
  }
  const altered = alterContent(s.rng, data, page);
  return { value: newStream(s.rng, stream.dict, altered.data), how: altered.how, neutral: altered.neutral };
}

function changeFont(s: State, ref: PdfRef): Change | undefined {
  const font = s.file.resolve(ref);
  if (!(font instanceof PdfDict)) {
    return undefined;
  }
  const how = s.rng.weighted<string>([
    [3, "standard"],
    [2, "no-tounicode"],
    [2, "widths"],
    [1, "same"],
  ]);
  if (how === "standard") {
    return {
      value: dictOf({
        Type: name("Font"),
        Subtype: name("Type1"),
        BaseFont: name(s.rng.pick(["Courier", "Helvetica-Bold", "Times-Italic"])),
      }),
      how,
      neutral: false,
    };
  }
  if (how === "no-tounicode" && font.has("ToUnicode")) {
    return { value: font.with({ ToUnicode: undefined }), how, neutral: false };
  }
  if (how === "widths") {
    const widths = font.getArray("Widths");
    if (widths) {
      return {
        value: font.with({ Widths: widths.map((w) => (typeof w === "number" ? Math.round(w * 1.5) : w)) }),
        how: "widths-simple",
        neutral: false,
      };
    }
    const descendants = s.file.deref(font.get("DescendantFonts"));
    const first = Array.isArray(descendants) ? descendants[0] : undefined;
    const cid = first instanceof PdfRef ? s.file.resolve(first) : undefined;
    if (first instanceof PdfRef && cid instanceof PdfDict) {
      // A new version of the descendant font: written as the same object (see mutateFont).
      return {
        value: font,
        how: "widths-cid",
        neutral: false,
        extra: [{ objectNumber: first.objectNumber, value: cid.with({ W: undefined, DW: 1500 }) }],
      };
    }
  }
  return { value: font, how: "same", neutral: true };
}

function changePageDict(s: State, page: PdfPage): Change {
  const { rng, file } = s;
  const [x1, y1, x2, y2] = page.mediaBox;
  const how = rng.weighted<string>([
    [2, "mediabox"],
    [2, "cropbox"],
    [2, "rotate"],
    [2, "drop-annots"],
    [2, "contents"],
    [1, "no-resources"],
    [1, "userunit"],
    [1, "same"],
  ]);
  const dict = page.dict;
  switch (how) {
    case "mediabox":
      return { value: dict.with({ MediaBox: [x1, y1 + 100, x2 - 50, y2] }), how, neutral: false };
    case "cropbox":
      return { value: dict.with({ CropBox: [x1 + 40, y1 + 60, x2 - 40, y2 - 60] }), how, neutral: false };
    case "rotate":
      return { value: dict.with({ Rotate: rng.pick([90, 180, 270]) }), how, neutral: false };
    case "drop-annots":
      return dict.has("Annots")
        ? { value: dict.with({ Annots: undefined }), how, neutral: false }
        : { value: dict.with({ Rotate: 180 }), how: "rotate", neutral: false };
    case "contents": {
      const contents = contentRefs(file, page);
      if (contents.length >= 2) {
        return {
          value: dict.with({ Contents: [...contents].reverse() }),
          how: "contents-reversed",
          neutral: false,
        };
      }
      if (contents.length === 1) {
        return {
          value: dict.with({ Contents: [contents[0]!, contents[0]!] }),
          how: "contents-twice",
          neutral: false,
        };
      }
      return { value: dict.with({ Contents: undefined }), how: "contents-none", neutral: false };
    }
    case "no-resources":
      return { value: dict.with({ Resources: new PdfDict() }), how, neutral: false };
    case "userunit":
      return { value: dict.with({ UserUnit: 2 }), how, neutral: false };
    default:
      return { value: dict, how: "same", neutral: true };
  }
}

const COVER = "q 1 1 1 rg 0 0 {w} {h} re f 0.8 0 0 RG 3 w 4 4 m {w4} {h4} l S Q";

function appearanceStream(rng: Rng, w: number, h: number): { value: PdfStream; how: string } {
  const how = rng.weighted<string>([
    [3, "cover"],
    [1, "empty"],
    [2, "text"],
  ]);
  const content =
    how === "cover"
      ? COVER.replaceAll("{w}", String(w))
          .replaceAll("{h}", String(h))
          .replaceAll("{w4}", String(w - 4))
          .replaceAll("{h4}", String(h - 4))
      : how === "text"
        ? `BT /Helv 10 Tf 0 g 2 ${Math.max(2, h / 2 - 4)} Td (DA THANH TOAN 900.000.000) Tj ET`
        : "";
  const dict = dictOf({
    Type: name("XObject"),
    Subtype: name("Form"),
    BBox: [0, 0, w, h],
    Resources: dictOf({ Font: dictOf({ Helv: standardFont("Helvetica") }) }),
  });
  return { value: newStream(rng, dict, latin1(content)), how };
}

function changeAnnotation(s: State, ref: PdfRef): Change | undefined {
  const annot = s.file.resolve(ref);
  if (!(annot instanceof PdfDict)) {
    return undefined;
  }
  const rect = annot.getArray("Rect")?.filter((n): n is number => typeof n === "number") ?? [0, 0, 0, 0];
  const [x1 = 0, y1 = 0, x2 = 0, y2 = 0] = rect;
  const how = s.rng.weighted<string>([
    [2, "move"],
    [2, "hide"],
    [3, "cover-ap"],
    [1, "drop-ap"],
    [1, "same"],
  ]);
  switch (how) {
    case "move": {
      const dx = s.rng.between(-200, 200);
      const dy = s.rng.between(-300, 300);
      const w = Math.max(x2 - x1, 60);
      const h = Math.max(y2 - y1, 20);
      return {
        value: annot.with({ Rect: [x1 + dx, y1 + dy, x1 + dx + w, y1 + dy + h] }),
        how,
        neutral: false,
      };
    }
    case "hide":
      return { value: annot.with({ F: ((annot.getNumber("F") ?? 0) | 2) & ~4 }), how, neutral: false };
    case "cover-ap": {
      const number = s.alloc();
      const w = Math.max(20, Math.round(x2 - x1) || 200);
      const h = Math.max(10, Math.round(y2 - y1) || 40);
      const ap = appearanceStream(s.rng, w, h);
      const rectChange = x2 - x1 < 1 || y2 - y1 < 1 ? { Rect: [x1, y1, x1 + w, y1 + h] } : {};
      return {
        value: annot.with({ AP: dictOf({ N: new PdfRef(number) }), F: 4, ...rectChange }),
        how: `ap-${ap.how}`,
        neutral: false,
        extra: [{ objectNumber: number, value: ap.value }],
      };
    }
    case "drop-ap":
      return { value: annot.with({ AP: undefined }), how, neutral: false };
    default:
      return { value: annot, how: "same", neutral: true };
  }
}

// ---------------------------------------------------------------------------------------------
// Object-level mutations (one revision may hold several)
// ---------------------------------------------------------------------------------------------

interface Edit {
  readonly step: FuzzStep;
  readonly objects: RawObject[];
  readonly packed?: RawObject[];
  readonly trailer?: Record<string, PdfObject | undefined>;
  readonly compressedEntries?: RevisionPlan["compressedEntries"];
  readonly hidden?: RawObject[];
  readonly free?: RevisionPlan["free"];
  readonly skew?: RevisionPlan["skew"];
  readonly prev?: number;
  readonly raw?: Uint8Array[];
  readonly padBeforeEof?: number;
  readonly padAfterEof?: number;
  /** Changes to apply in a following revision of the same step (e.g. rewrite after re-roling). */
  readonly followUp?: (s: State) => Edit | undefined;
}

type Mutator = (s: State) => Edit | undefined;

function step(kind: string, intent: Intent, detail: string): FuzzStep {
  return { kind, intent, detail };
}

function attackOrNeutral(neutral: boolean): Intent {
  return neutral ? "neutral" : "attack";
}

function redefine(kind: string, ref: PdfRef, change: Change | undefined, what: string): Edit | undefined {
  if (!change) {
    return undefined;
  }
  return {
    step: step(kind, attackOrNeutral(change.neutral), `${what} ${ref.objectNumber}: ${change.how}`),
    objects: [
      { objectNumber: ref.objectNumber, generation: ref.generation, value: change.value },
      ...(change.extra ?? []),
    ],
  };
}

const redefineContent: Mutator = (s) => {
  const inv = inventory(s.file);
  const page = s.rng.pick(inv.pages);
  const refs = contentRefs(s.file, page);
  const ref = refs.length > 0 ? s.rng.pick(refs) : undefined;
  const stream = ref ? s.file.resolve(ref) : undefined;
  if (!ref || !(stream instanceof PdfStream)) {
    return undefined;
  }
  return redefine("redefine-content", ref, changeStreamObject(s, stream, page), "content stream");
};

const redefineFont: Mutator = (s) => {
  const fonts = inventory(s.file).fonts;
  if (fonts.length === 0) {
    return undefined;
  }
  const ref = s.rng.pick(fonts);
  return redefine("redefine-font", ref, changeFont(s, ref), "font");
};

const redefinePage: Mutator = (s) => {
  const page = s.rng.pick(pagesOf(s.file));
  return redefine("redefine-page", page.ref, changePageDict(s, page), "page");
};

const redefineResources: Mutator = (s) => {
  const inv = inventory(s.file);
  if (inv.resources.length === 0) {
    return undefined;
  }
  const ref = s.rng.pick(inv.resources);
  const dict = s.file.resolve(ref);
  if (!(dict instanceof PdfDict)) {
    return undefined;
  }
  const key = s.rng.pick(["Font", "XObject", "ExtGState"]);
  const value = s.rng.chance(0.7)
    ? dict.with({ [key]: undefined })
    : dict.with({ ExtGState: dictOf({ GS9: dictOf({ CA: 0.2 }) }) });
  return {
    step: step("redefine-resources", "attack", `resources ${ref.objectNumber}: -${key}`),
    objects: [{ objectNumber: ref.objectNumber, generation: ref.generation, value }],
  };
};

const redefineXObject: Mutator = (s) => {
  const inv = inventory(s.file);
  if (inv.xobjects.length === 0) {
    return undefined;
  }
  const ref = s.rng.pick(inv.xobjects);
  const stream = s.file.resolve(ref);
  if (!(stream instanceof PdfStream)) {
    return undefined;
  }
  return redefine("redefine-xobject", ref, changeStreamObject(s, stream), "xobject");
};

const redefineAnnotation: Mutator = (s) => {
  const annots = inventory(s.file).annots;
  if (annots.length === 0) {
    return undefined;
  }
  const ref = s.rng.pick(annots);
  return redefine("redefine-annotation", ref, changeAnnotation(s, ref), "annotation");
};

/** Catalog-level changes that change what is shown, or nothing. */
const redefineCatalog: Mutator = (s) => {
  const { ref, dict } = catalogOf(s.file);
  const pages = pagesOf(s.file);
  const how = s.rng.weighted<string>([
    [2, "need-appearances"],
    [2, "oc-off"],
    [2, "pages-reverse"],
    [2, "pages-drop"],
    [2, "pages-add"],
    [1, "open-action"],
    [1, "page-labels"],
    [1, "same"],
  ]);
  const objects: RawObject[] = [];
  let value = dict;
  let neutral = false;
  const pagesRef = dict.getRef("Pages");
  const pagesNode = pagesRef ? s.file.resolve(pagesRef) : undefined;
  switch (how) {
    case "need-appearances": {
      const formValue = dict.get("AcroForm");
      const form = s.file.deref(formValue);
      const newForm = (form instanceof PdfDict ? form : new PdfDict()).with({ NeedAppearances: true });
      if (formValue instanceof PdfRef) {
        objects.push({
          objectNumber: formValue.objectNumber,
          generation: formValue.generation,
          value: newForm,
        });
      } else {
        value = dict.with({ AcroForm: newForm });
      }
      break;
    }
    case "oc-off": {
      const properties = s.file.deref(dict.get("OCProperties"));
      const ocgs = properties instanceof PdfDict ? s.file.deref(properties.get("OCGs")) : undefined;
      if (Array.isArray(ocgs) && ocgs.length > 0) {
        value = dict.with({
          OCProperties: dictOf({ OCGs: ocgs, D: dictOf({ ON: [], OFF: ocgs, Order: ocgs }) }),
        });
      } else {
        const ocg = s.alloc();
        objects.push({
          objectNumber: ocg,
          value: dictOf({ Type: name("OCG"), Name: textString("Hidden") }),
        });
        value = dict.with({
          OCProperties: dictOf({ OCGs: [new PdfRef(ocg)], D: dictOf({ OFF: [new PdfRef(ocg)] }) }),
        });
        neutral = true;
      }
      break;
    }
    case "pages-reverse":
    case "pages-drop":
    case "pages-add": {
      if (!(pagesNode instanceof PdfDict) || !pagesRef) {
        return undefined;
      }
      const kids = asRefs(pagesNode.get("Kids"), s.file);
      let newKids: PdfRef[];
      if (how === "pages-reverse") {
        if (kids.length < 2) {
          return undefined;
        }
        newKids = [...kids].reverse();
      } else if (how === "pages-drop") {
        if (kids.length < 2) {
          return undefined;
        }
        newKids = kids.slice(0, -1);
      } else {
        const page = pages[0]!;
        const content = s.alloc();
        const pageNumber = s.alloc();
        objects.push({
          objectNumber: content,
          value: new PdfStream(new PdfDict(), latin1("q 0 0 0 rg 85 700 300 40 re f Q")),
        });
        objects.push({
          objectNumber: pageNumber,
          value: page.dict.with({ Contents: new PdfRef(content), Annots: undefined, Parent: pagesRef }),
        });
        newKids = [...kids, new PdfRef(pageNumber)];
      }
      const count =
        how === "pages-drop" ? pages.length - 1 : how === "pages-add" ? pages.length + 1 : pages.length;
      objects.push({
        objectNumber: pagesRef.objectNumber,
        generation: pagesRef.generation,
        value: pagesNode.with({ Kids: newKids, Count: count }),
      });
      return { step: step("redefine-page-tree", "attack", how), objects };
    }
    case "open-action":
      value = dict.with({ OpenAction: [pages[0]!.ref, name("Fit")] });
      neutral = true;
      break;
    case "page-labels":
      value = dict.with({ PageLabels: dictOf({ Nums: [0, dictOf({ S: name("r") })] }) });
      neutral = true;
      break;
    default:
      neutral = true;
  }
  if (value !== dict || how === "same") {
    objects.push({ objectNumber: ref.objectNumber, generation: ref.generation, value });
  }
  return { step: step("redefine-catalog", attackOrNeutral(neutral), how), objects };
};

const redefineAcroForm: Mutator = (s) => {
  const { ref, dict } = catalogOf(s.file);
  const formValue = dict.get("AcroForm");
  const form = s.file.deref(formValue);
  if (!(form instanceof PdfDict)) {
    return undefined;
  }
  const how = s.rng.weighted<string>([
    [2, "unlist-field"],
    [2, "da"],
    [1, "dr"],
    [1, "same"],
  ]);
  const objects: RawObject[] = [];
  let newForm = form;
  if (how === "unlist-field") {
    const fieldsValue = form.get("Fields");
    const fields = asRefs(fieldsValue, s.file);
    if (fields.length === 0) {
      return undefined;
    }
    const drop = s.rng.int(fields.length);
    const kept = fields.filter((_, i) => i !== drop);
    if (fieldsValue instanceof PdfRef) {
      objects.push({
        objectNumber: fieldsValue.objectNumber,
        generation: fieldsValue.generation,
        value: kept,
      });
    } else {
      newForm = form.with({ Fields: kept });
    }
  } else if (how === "da") {
    newForm = form.with({ DA: textString("/Helv 24 Tf 1 0 0 rg"), NeedAppearances: true });
  } else if (how === "dr") {
    newForm = form.with({
      DR: dictOf({ Font: dictOf({ Helv: standardFont("Courier") }) }),
      NeedAppearances: true,
    });
  }
  if (newForm !== form || how === "same" || objects.length === 0) {
    if (formValue instanceof PdfRef) {
      objects.push({
        objectNumber: formValue.objectNumber,
        generation: formValue.generation,
        value: newForm,
      });
    } else {
      objects.push({
        objectNumber: ref.objectNumber,
        generation: ref.generation,
        value: dict.with({ AcroForm: newForm }),
      });
    }
  }
  return { step: step("redefine-acroform", how === "same" ? "neutral" : "attack", how), objects };
};

/** A signed object of the page (content, font, XObject, page, annotation) to re-role. */
function reRoleTarget(s: State): { ref: PdfRef; role: string } | undefined {
  const inv = inventory(s.file);
  const choices: [number, { ref: PdfRef; role: string }][] = [];
  for (const ref of inv.contents) {
    choices.push([3, { ref, role: "content" }]);
  }
  for (const ref of inv.fonts) {
    choices.push([2, { ref, role: "font" }]);
  }
  for (const ref of inv.xobjects) {
    choices.push([2, { ref, role: "xobject" }]);
  }
  for (const page of inv.pages) {
    choices.push([1, { ref: page.ref, role: "page" }]);
  }
  for (const ref of inv.annots) {
    choices.push([1, { ref, role: "annotation" }]);
  }
  return choices.length > 0 ? s.rng.weighted(choices) : undefined;
}

/** The rewrite of a re-roled object: as what its new role holds, or changed in its old role. */
function rewriteTarget(s: State, target: { ref: PdfRef; role: string }, newRole: string): Change | undefined {
  const current = s.file.resolve(target.ref);
  if (s.rng.chance(0.5)) {
    // Rewritten as what the new role holds (a certificate, XMP, an info dictionary, a font …).
    const cert = s.context.signers.organisation.certificate.der;
    switch (newRole) {
      case "dss-certs":
      case "dss-crls":
      case "dss-vri":
        return { value: new PdfStream(new PdfDict(), cert), how: "as-der", neutral: false };
      case "metadata":
        return { value: xmpStream(s.rng), how: "as-xmp", neutral: false };
      case "info":
        return { value: dictOf({ Title: textString("Da sua") }), how: "as-info", neutral: false };
      case "dr-font":
        return {
          value: standardFont("Helvetica"),
          how: "as-font",
          neutral: false,
        };
      case "embedded-file":
        return {
          value: new PdfStream(dictOf({ Type: name("EmbeddedFile") }), latin1("attachment")),
          how: "as-embedded-file",
          neutral: false,
        };
      default:
        return {
          value: dictOf({ S: name("GoTo"), D: [0, name("Fit")] }),
          how: "as-action",
          neutral: false,
        };
    }
  }
  if (current instanceof PdfStream) {
    return changeStreamObject(s, current);
  }
  if (target.role === "font") {
    return changeFont(s, target.ref);
  }
  if (target.role === "annotation") {
    return changeAnnotation(s, target.ref);
  }
  if (target.role === "page") {
    const page = pagesOf(s.file).find((p) => p.ref.objectNumber === target.ref.objectNumber);
    return page ? changePageDict(s, page) : undefined;
  }
  return undefined;
}

function xmpStream(rng: Rng): PdfStream {
  const title = rng.pick(["Cong van", "Bao cao", "Quyet dinh"]);
  const xml =
    `<?xpacket begin="\u00ef\u00bb\u00bf" id="W5M0MpCehiHzreSzNTczkc9d"?>` +
    `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
    `<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title><rdf:Alt>` +
    `<rdf:li xml:lang="x-default">${title} ${rng.int(10_000)}</rdf:li></rdf:Alt></dc:title></rdf:Description>` +
    `</rdf:RDF></x:xmpmeta><?xpacket end="w"?>`;
  return new PdfStream(dictOf({ Type: name("Metadata"), Subtype: name("XML") }), latin1(xml));
}

/**
 * Re-roling (the "roles come from the signed revision" rule): a catalog or trailer entry that a
 * permissive policy allows (/DSS, /Metadata, /Info, /AcroForm /DR, /Names, /OpenAction, /Outlines)
 * is made to point at a signed object, which is then rewritten — in the same revision, in the next
 * one, or not at all (a neutral change).
 */
const reRole: Mutator = (s) => {
  const target = reRoleTarget(s);
  if (!target) {
    return undefined;
  }
  const { ref, dict } = catalogOf(s.file);
  const role = s.rng.pick([
    "dss-certs",
    "dss-crls",
    "dss-vri",
    "metadata",
    "info",
    "info-entry",
    "dr-font",
    "embedded-file",
    "open-action",
    "outlines",
  ]);
  const x = target.ref;
  const objects: RawObject[] = [];
  const trailer: Record<string, PdfObject | undefined> = {};
  let catalog = dict;
  switch (role) {
    case "dss-certs":
    case "dss-crls": {
      const key = role === "dss-certs" ? "Certs" : "CRLs";
      const dss = new PdfDict([[key, [x]]]);
      if (s.rng.chance(0.5)) {
        const number = s.alloc();
        objects.push({ objectNumber: number, value: dss });
        catalog = dict.with({ DSS: new PdfRef(number) });
      } else {
        catalog = dict.with({ DSS: dss });
      }
      break;
    }
    case "dss-vri":
      catalog = dict.with({
        DSS: dictOf({ VRI: dictOf({ A1B2C3: dictOf({ Cert: [x] }) }) }),
      });
      break;
    case "metadata":
      catalog = dict.with({ Metadata: x });
      break;
    case "info":
      trailer.Info = x;
      break;
    case "info-entry": {
      const number = s.alloc();
      objects.push({ objectNumber: number, value: dictOf({ Title: textString("Cong van"), Thumb: x }) });
      trailer.Info = new PdfRef(number);
      break;
    }
    case "dr-font": {
      const formValue = dict.get("AcroForm");
      const form = s.file.deref(formValue);
      const base = form instanceof PdfDict ? form : dictOf({ Fields: [] });
      const newForm = base.with({ DR: dictOf({ Font: dictOf({ Rr: x }) }) });
      if (formValue instanceof PdfRef) {
        objects.push({
          objectNumber: formValue.objectNumber,
          generation: formValue.generation,
          value: newForm,
        });
      } else {
        catalog = dict.with({ AcroForm: newForm });
      }
      break;
    }
    case "embedded-file":
      catalog = dict.with({
        Names: dictOf({
          EmbeddedFiles: dictOf({
            Names: [
              textString("phu-luc.txt"),
              dictOf({ Type: name("Filespec"), F: textString("phu-luc.txt"), EF: dictOf({ F: x }) }),
            ],
          }),
        }),
      });
      break;
    case "open-action":
      catalog = dict.with({ OpenAction: x });
      break;
    default:
      catalog = dict.with({ Outlines: x });
  }
  if (catalog !== dict) {
    objects.push({ objectNumber: ref.objectNumber, generation: ref.generation, value: catalog });
  }
  const when = s.rng.weighted<string>([
    [2, "same-revision"],
    [1, "next-revision"],
    [1, "never"],
  ]);
  const label = `re-role-${role}`;
  if (when === "never") {
    return { step: step(label, "neutral", `${target.role} ${x.objectNumber} → ${role}`), objects, trailer };
  }
  const rewrite = (state: State): Edit | undefined => {
    const change = rewriteTarget(state, target, role);
    if (!change) {
      return undefined;
    }
    return {
      step: step(
        `${label}+rewrite`,
        attackOrNeutral(change.neutral),
        `${target.role} ${x.objectNumber} → ${role}, ${when}: ${change.how}`,
      ),
      objects: [
        { objectNumber: x.objectNumber, generation: x.generation, value: change.value },
        ...(change.extra ?? []),
      ],
    };
  };
  if (when === "same-revision") {
    const edit = rewrite(s);
    if (!edit) {
      return { step: step(label, "neutral", `${target.role} ${x.objectNumber} → ${role}`), objects, trailer };
    }
    const numbers = new Set(objects.map((o) => o.objectNumber));
    return {
      step: edit.step,
      objects: [...objects, ...edit.objects.filter((o) => !numbers.has(o.objectNumber))],
      trailer,
    };
  }
  return {
    step: step(label, "neutral", `${target.role} ${x.objectNumber} → ${role}`),
    objects,
    trailer,
    followUp: rewrite,
  };
};

/** Existing object streams: stream number → member object numbers, as the newest revision maps them. */
function objectStreams(file: PdfFile): Map<number, number[]> {
  const newest = new Map<number, { stream: number; index: number }>();
  const defined = new Set<number>();
  for (let r = file.revisions.length - 1; r >= 0; r--) {
    for (const [n, entry] of file.revisions[r]!.entries) {
      if (defined.has(n)) {
        continue;
      }
      defined.add(n);
      if (entry.type === "compressed") {
        newest.set(n, { stream: entry.streamObjectNumber, index: entry.index });
      }
    }
  }
  const out = new Map<number, number[]>();
  for (const [n, { stream }] of newest) {
    const list = out.get(stream) ?? [];
    list.push(n);
    out.set(stream, list);
  }
  return out;
}

/** Members of an object stream as written in it (number, value), in order. */
function objectStreamMembers(file: PdfFile, streamNumber: number): RawObject[] | undefined {
  const stream = file.resolve(new PdfRef(streamNumber));
  if (!(stream instanceof PdfStream)) {
    return undefined;
  }
  const data = decoded(stream);
  const first = stream.dict.getNumber("First");
  const count = stream.dict.getNumber("N");
  if (!data || first === undefined || count === undefined) {
    return undefined;
  }
  const header = Buffer.from(data.subarray(0, first)).toString("latin1").trim().split(/\s+/).map(Number);
  const out: RawObject[] = [];
  for (let i = 0; i < count && 2 * i + 1 < header.length; i++) {
    const objectNumber = header[2 * i]!;
    const value = file.resolve(new PdfRef(objectNumber));
    if (value === undefined || value instanceof PdfStream) {
      return undefined;
    }
    out.push({ objectNumber, value });
  }
  return out;
}

/** A changed version of a non-stream object, by what it is. */
function changeDictObject(s: State, objectNumber: number): Change | undefined {
  const value = s.file.resolve(new PdfRef(objectNumber));
  if (!(value instanceof PdfDict)) {
    return undefined;
  }
  const type = value.getName("Type");
  const page = pagesOf(s.file).find((p) => p.ref.objectNumber === objectNumber);
  if (page) {
    return changePageDict(s, page);
  }
  if (type === "Font") {
    return changeFont(s, new PdfRef(objectNumber));
  }
  if (type === "Annot" || value.has("Rect")) {
    return changeAnnotation(s, new PdfRef(objectNumber));
  }
  if (type === "Catalog") {
    return {
      value: value.with({ PageMode: name("UseOutlines") }),
      how: "catalog-pagemode",
      neutral: true,
    };
  }
  return { value, how: "same", neutral: true };
}

/**
 * Object streams: an existing object stream redefined with one member changed (only the stream's
 * own entry is new, or its members' entries too), or objects moved into a new object stream,
 * changed or not.
 */
const objectStreamMutation: Mutator = (s) => {
  const streams = [...objectStreams(s.file)];
  if (streams.length > 0 && s.rng.chance(0.6)) {
    const [streamNumber] = s.rng.pick(streams);
    const members = objectStreamMembers(s.file, streamNumber);
    if (!members || members.length === 0) {
      return undefined;
    }
    // Change a member the newest revision still reads from this stream (others are stale).
    const live = new Set(objectStreams(s.file).get(streamNumber) ?? []);
    const candidates = members.map((m, j) => (live.has(m.objectNumber) ? j : -1)).filter((j) => j >= 0);
    if (candidates.length === 0) {
      return undefined;
    }
    const i = s.rng.pick(candidates);
    const change = changeDictObject(s, members[i]!.objectNumber);
    if (!change) {
      return undefined;
    }
    const changed = members.map((m, j) => (j === i ? { ...m, value: change.value } : m));
    const listMembers = s.rng.chance(0.3);
    return {
      step: step(
        "objstm-redefine",
        attackOrNeutral(change.neutral),
        `object stream ${streamNumber}, member ${members[i]!.objectNumber}: ${change.how}${listMembers ? ", members listed" : ""}`,
      ),
      objects: [
        { objectNumber: streamNumber, value: objectStream(changed, s.rng.chance(0.5)) },
        ...(change.extra ?? []),
      ],
      ...(listMembers
        ? {
            compressedEntries: changed.map((m, index) => ({
              objectNumber: m.objectNumber,
              streamNumber,
              index,
            })),
          }
        : {}),
    };
  }
  // Move 1–3 dictionaries into a new object stream.
  const inv = inventory(s.file);
  const candidates = [
    catalogOf(s.file).ref.objectNumber,
    ...inv.pages.map((p) => p.ref.objectNumber),
    ...inv.fonts.map((r) => r.objectNumber),
    ...inv.annots.map((r) => r.objectNumber),
  ].filter((n) => s.file.resolve(new PdfRef(n)) instanceof PdfDict);
  const chosen = [...new Set(Array.from({ length: 1 + s.rng.int(3) }, () => s.rng.pick(candidates)))];
  const changeOne = s.rng.chance(0.5) ? s.rng.pick(chosen) : undefined;
  const packed: RawObject[] = [];
  const objects: RawObject[] = [];
  let how = "unchanged";
  for (const n of chosen) {
    const change = n === changeOne ? changeDictObject(s, n) : undefined;
    if (change) {
      how = change.how;
      objects.push(...(change.extra ?? []));
    }
    packed.push({ objectNumber: n, value: change?.value ?? s.file.resolve(new PdfRef(n))! });
  }
  const neutral = how === "unchanged" || how === "same";
  return {
    step: step(
      "objstm-move",
      attackOrNeutral(neutral),
      `objects ${chosen.join(",")} into a new object stream: ${how}`,
    ),
    objects,
    packed,
  };
};

/** Fills in an object that the signed content refers to but that did not exist. */
const fillDangling: Mutator = (s) => {
  const dangling = (s.base.dangling ?? []).filter((d) => s.file.resolve(new PdfRef(d.objectNumber)) == null);
  if (dangling.length === 0) {
    return undefined;
  }
  const target = s.rng.pick(dangling);
  let value: PdfObject;
  let how: string;
  const extra: RawObject[] = [];
  if (target.role === "font") {
    value = dictOf({
      Type: name("Font"),
      Subtype: name("Type1"),
      BaseFont: name(s.rng.pick(["Helvetica", "Courier"])),
    });
    how = "font";
  } else if (target.role === "xobject") {
    const [x, y, w, h] = randomBox(s.rng);
    value = newStream(
      s.rng,
      dictOf({ Type: name("XObject"), Subtype: name("Form"), BBox: [0, 0, 595, 842] }),
      latin1(`q 0.8 0 0 rg ${x} ${y} ${w} ${h} re f Q`),
    );
    how = "form-xobject";
  } else {
    const number = s.alloc();
    const ap = appearanceStream(s.rng, 300, 60);
    extra.push({ objectNumber: number, value: ap.value });
    value = dictOf({
      Type: name("Annot"),
      Subtype: name(s.rng.pick(["Square", "FreeText", "Stamp"])),
      Rect: [85, 600, 385, 660],
      F: 4,
      AP: dictOf({ N: new PdfRef(number) }),
    });
    how = `annotation-${ap.how}`;
  }
  return {
    step: step("fill-dangling", "attack", `object ${target.objectNumber} (${target.role}): ${how}`),
    objects: [{ objectNumber: target.objectNumber, value }, ...extra],
  };
};

/** A new annotation or widget with a random subtype, rect, flags and appearance. */
const addAnnotation: Mutator = (s) => {
  const { rng, file } = s;
  const page = rng.pick(pagesOf(file));
  const [x, y, w, h] = randomBox(rng, page);
  const subtype = rng.pick(["Square", "FreeText", "Stamp", "Link", "Text", "Ink", "Widget-Tx", "Widget-Sig"]);
  const flags = rng.pick([0, 1, 2, 4, 4, 4, 32, 132, 4 | 16, 4 | 8]);
  const number = s.alloc();
  const objects: RawObject[] = [];
  const annot = dictOf({
    Type: name("Annot"),
    Subtype: name(subtype.startsWith("Widget") ? "Widget" : subtype),
    Rect: [x, y, x + w, y + h],
    F: flags,
    P: page.ref,
  });
  let apHow = "none";
  if (rng.chance(0.75)) {
    const apNumber = s.alloc();
    const ap = appearanceStream(rng, w, h);
    apHow = ap.how;
    objects.push({ objectNumber: apNumber, value: ap.value });
    annot.map.set("AP", dictOf({ N: new PdfRef(apNumber) }));
  }
  if (subtype === "FreeText") {
    annot.map.set("DA", textString("/Helv 12 Tf 0 g"));
    annot.map.set("Contents", textString("Da thanh toan"));
  }
  if (subtype === "Link") {
    annot.map.set("Border", [0, 0, rng.pick([0, 1, 3])]);
  }
  if (subtype === "Ink") {
    annot.map.set("InkList", [[x, y, x + w, y + h]]);
  }
  if (subtype.startsWith("Widget")) {
    annot.map.set("FT", name(subtype === "Widget-Tx" ? "Tx" : "Sig"));
    annot.map.set("T", textString(`Field${number}`));
    if (subtype === "Widget-Tx") {
      annot.map.set("V", textString("900.000.000"));
      annot.map.set("DA", textString("/Helv 12 Tf 0 g"));
    }
  }
  objects.push({ objectNumber: number, value: annot });
  // On the page's /Annots (the array object when indirect).
  const annotsValue = page.dict.get("Annots");
  const current = asRefs(annotsValue, file);
  if (annotsValue instanceof PdfRef && Array.isArray(file.resolve(annotsValue))) {
    objects.push({
      objectNumber: annotsValue.objectNumber,
      generation: annotsValue.generation,
      value: [...current, new PdfRef(number)],
    });
  } else {
    objects.push({
      objectNumber: page.ref.objectNumber,
      generation: page.ref.generation,
      value: page.dict.with({ Annots: [...current, new PdfRef(number)] }),
    });
  }
  // Widgets into /AcroForm /Fields, mostly.
  if (subtype.startsWith("Widget") && rng.chance(0.7)) {
    const { ref, dict } = catalogOf(file);
    const formValue = dict.get("AcroForm");
    const form = file.deref(formValue);
    const base = form instanceof PdfDict ? form : new PdfDict();
    const fieldsValue = base.get("Fields");
    const fields = asRefs(fieldsValue, file);
    if (fieldsValue instanceof PdfRef && Array.isArray(file.resolve(fieldsValue))) {
      objects.push({
        objectNumber: fieldsValue.objectNumber,
        generation: fieldsValue.generation,
        value: [...fields, new PdfRef(number)],
      });
    } else if (formValue instanceof PdfRef) {
      objects.push({
        objectNumber: formValue.objectNumber,
        generation: formValue.generation,
        value: base.with({ Fields: [...fields, new PdfRef(number)] }),
      });
    } else if (ref.objectNumber !== page.ref.objectNumber) {
      objects.push({
        objectNumber: ref.objectNumber,
        generation: ref.generation,
        value: dict.with({ AcroForm: base.with({ Fields: [...fields, new PdfRef(number)] }) }),
      });
    }
  }
  // Hidden (2) and NoView (32) hide any annotation; Invisible (1) only unknown types, and viewers
  // draw Square, Ink, FreeText, Text … without /AP from their own appearance rules.
  const invisible = (flags & 0b100010) !== 0 || apHow === "empty";
  return {
    step: step(
      "add-annotation",
      invisible ? "neutral" : "attack",
      `${subtype} F=${flags} ap=${apHow} on page ${page.ref.objectNumber} [${x} ${y} ${w}×${h}]`,
    ),
    objects,
  };
};

/** A new catalog (a copy, changed or not) through the trailer's /Root. */
const newRoot: Mutator = (s) => {
  const { dict } = catalogOf(s.file);
  const number = s.alloc();
  const objects: RawObject[] = [];
  let value = dict;
  let how = "copy";
  const pagesRef = dict.getRef("Pages");
  const pagesNode = pagesRef ? s.file.resolve(pagesRef) : undefined;
  if (s.rng.chance(0.6) && pagesNode instanceof PdfDict) {
    const kids = asRefs(pagesNode.get("Kids"), s.file);
    const pagesNumber = s.alloc();
    const content = s.alloc();
    const pageNumber = s.alloc();
    const first = pagesOf(s.file)[0]!;
    objects.push({
      objectNumber: content,
      value: new PdfStream(new PdfDict(), latin1("q 0.9 0 0 rg 85 650 400 60 re f Q")),
    });
    objects.push({
      objectNumber: pageNumber,
      value: first.dict.with({
        Parent: new PdfRef(pagesNumber),
        Contents: new PdfRef(content),
        Annots: undefined,
      }),
    });
    objects.push({
      objectNumber: pagesNumber,
      value: dictOf({
        Type: name("Pages"),
        Kids: [new PdfRef(pageNumber), ...kids.slice(1)],
        Count: kids.length,
      }),
    });
    value = dict.with({ Pages: new PdfRef(pagesNumber) });
    how = "new-page-tree";
  }
  objects.push({ objectNumber: number, value });
  return {
    step: step("new-root", how === "copy" ? "neutral" : "attack", how),
    objects,
    trailer: { Root: new PdfRef(number) },
  };
};

/** An existing object written again, unchanged (plainly or in an object stream). */
const identicalRewrite: Mutator = (s) => {
  const inv = inventory(s.file);
  const refs = [...inv.contents, ...inv.fonts, ...inv.pages.map((p) => p.ref), catalogOf(s.file).ref];
  const ref = s.rng.pick(refs);
  const value = s.file.resolve(ref);
  if (value === undefined) {
    return undefined;
  }
  return {
    step: step("identical-rewrite", "neutral", `object ${ref.objectNumber}`),
    objects: [{ objectNumber: ref.objectNumber, generation: ref.generation, value }],
  };
};

/** A signed object the page shows (content stream, font, XObject, annotation), to free or hide. */
function shownObject(s: State): { ref: PdfRef; role: string } | undefined {
  const target = reRoleTarget(s);
  return target && target.role !== "page" ? target : undefined;
}

/**
 * Cross-reference tricks: a signed object marked free (its entry type 0 / "f"), or written again
 * under the next generation (so that "N 0 R" no longer names it), changed or not.
 */
const freeOrBumpGeneration: Mutator = (s) => {
  const target = shownObject(s);
  if (!target) {
    return undefined;
  }
  const { ref } = target;
  if (s.rng.chance(0.5)) {
    return {
      step: step("free-object", "attack", `${target.role} ${ref.objectNumber} marked free`),
      objects: [],
      free: [{ objectNumber: ref.objectNumber, generation: ref.generation + 1 }],
    };
  }
  const current = s.file.resolve(ref);
  const change =
    current instanceof PdfStream
      ? changeStreamObject(s, current)
      : { value: current ?? null, how: "same", neutral: true };
  if (!change) {
    return undefined;
  }
  return {
    step: step(
      "generation-bump",
      "attack",
      `${target.role} ${ref.objectNumber} as generation ${ref.generation + 1}: ${change.how}`,
    ),
    objects: [{ objectNumber: ref.objectNumber, generation: ref.generation + 1, value: change.value }],
  };
};

/**
 * Objects a reader sees only when it rebuilds the cross-reference table by scanning (as poppler
 * does when an entry's offset is wrong): a changed version of a signed object in the revision's
 * body without an entry (or a second definition after the entry's), next to a harmless change
 * (a new /Info) whose entry may be a few bytes off.
 */
const hiddenObject: Mutator = (s) => {
  const target = shownObject(s);
  const current = target ? s.file.resolve(target.ref) : undefined;
  if (!target || current === undefined) {
    return undefined;
  }
  const change =
    current instanceof PdfStream
      ? changeStreamObject(s, current)
      : target.role === "font"
        ? changeFont(s, target.ref)
        : changeAnnotation(s, target.ref);
  if (!change) {
    return undefined;
  }
  const variant = s.rng.pick(["hidden", "hidden+skew", "duplicate", "duplicate+skew", "skew-only"]);
  // The harmless change that carries the trick: a new /Info (read by few), or the catalog with a
  // new /Version (read by every viewer: a wrong offset there makes poppler rebuild its xref).
  const carrier = s.rng.pick(["info", "catalog"]);
  const objects: RawObject[] = [];
  let carrierNumber: number;
  const trailer: Record<string, PdfObject | undefined> = {};
  if (carrier === "info") {
    carrierNumber = s.alloc();
    objects.push({ objectNumber: carrierNumber, value: dictOf({ Title: textString("Cong van") }) });
    trailer.Info = new PdfRef(carrierNumber);
  } else {
    const { ref, dict } = catalogOf(s.file);
    if (ref.objectNumber === target.ref.objectNumber) {
      return undefined;
    }
    carrierNumber = ref.objectNumber;
    objects.push({
      objectNumber: ref.objectNumber,
      generation: ref.generation,
      value: dict.with({ Version: name("1.7") }),
    });
  }
  const forged: RawObject = {
    objectNumber: target.ref.objectNumber,
    generation: target.ref.generation,
    value: change.value,
  };
  let hidden: RawObject[] = [forged];
  if (variant.startsWith("duplicate")) {
    // The entry points to an unchanged copy; a second, changed definition follows it.
    objects.push({
      objectNumber: target.ref.objectNumber,
      generation: target.ref.generation,
      value: current,
    });
  }
  if (variant === "skew-only") {
    hidden = [];
  }
  const skewed = variant.endsWith("skew") ? [{ objectNumber: carrierNumber, delta: 1 + s.rng.int(6) }] : [];
  return {
    step: step(
      "hidden-object",
      variant === "skew-only" ? "neutral" : attackOrNeutral(change.neutral),
      `${variant} (${carrier}): ${target.role} ${target.ref.objectNumber} ${change.how}`,
    ),
    objects,
    hidden,
    skew: skewed,
    trailer,
  };
};

/**
 * A revision whose /Prev skips earlier revisions (pointing to an older cross-reference section), so
 * that a reader following /Prev never sees what they defined, with a harmless change (new /Info).
 */
const prevSkip: Mutator = (s) => {
  const revisions = s.file.revisions;
  if (revisions.length < 2) {
    return undefined;
  }
  const to = s.rng.int(revisions.length - 1);
  const info = s.alloc();
  return {
    step: step("prev-skip", "attack", `/Prev to revision ${to} of ${revisions.length}`),
    objects: [{ objectNumber: info, value: dictOf({ Title: textString("Cong van") }) }],
    trailer: { Info: new PdfRef(info) },
    prev: revisions[to]!.startxref,
  };
};

/**
 * Making poppler rebuild its cross-reference by scanning (it then takes the last `N G obj` it
 * finds, also one inside another stream's data), with a changed signed object hidden where a
 * verifier that follows the cross-reference never looks: in the revision's body without an entry,
 * or inside the data of a new validation-data, XMP or attachment stream; its header written plainly,
 * with a zero-padded number or generation, or with other whitespace. What makes poppler rebuild: a
 * long padding before the last %%EOF or after it (it no longer finds `startxref`), a wrong offset
 * for the catalog, an /Info entry naming an object nobody defines, or nothing.
 */
const reconstructionTrick: Mutator = (s) => {
  const inv = inventory(s.file);
  const target =
    inv.contents.length > 0 && s.rng.chance(0.6)
      ? { ref: s.rng.pick(inv.contents), role: "content" }
      : shownObject(s);
  const current = target ? s.file.resolve(target.ref) : undefined;
  if (!target || current === undefined) {
    return undefined;
  }
  const change =
    current instanceof PdfStream
      ? changeStreamObject(s, current)
      : target.role === "font"
        ? changeFont(s, target.ref)
        : changeAnnotation(s, target.ref);
  if (!change) {
    return undefined;
  }
  const n = target.ref.objectNumber;
  const g = target.ref.generation;
  const header = s.rng.pick([
    `${n} ${g} obj`,
    `${String(n).padStart(13, "0")} ${g} obj`,
    `${n} ${String(g).padStart(7, "0")} obj`,
    `${n}\x0b${g}\x0bobj`,
    `${n}\x0c${g} obj`,
  ]);
  const definition = new Uint8Array(
    Buffer.concat([latin1(`\n${header}\n`), serializeBody(change.value), latin1("\nendobj\n")]),
  );
  const where = s.rng.pick(["body", "dss-stream", "xmp-stream", "attachment"]);
  const trigger = s.rng.pick(["pad-before-eof", "pad-after-eof", "skew-catalog", "missing-info-ref", "none"]);
  const { ref: rootRef, dict: root } = catalogOf(s.file);
  let catalog = root;
  const objects: RawObject[] = [];
  const raw: Uint8Array[] = [];
  const trailer: Record<string, PdfObject | undefined> = {};
  if (where === "body") {
    raw.push(definition);
  } else {
    const carrier = s.alloc();
    if (where === "dss-stream") {
      objects.push({ objectNumber: carrier, value: new PdfStream(new PdfDict(), definition) });
      if (root.has("DSS")) {
        return undefined;
      }
      catalog = catalog.with({ DSS: dictOf({ Certs: [new PdfRef(carrier)] }) });
    } else if (where === "xmp-stream") {
      const xmp = xmpStream(s.rng);
      objects.push({
        objectNumber: carrier,
        value: new PdfStream(xmp.dict, new Uint8Array(Buffer.concat([xmp.data, definition]))),
      });
      catalog = catalog.with({ Metadata: new PdfRef(carrier) });
    } else {
      objects.push({
        objectNumber: carrier,
        value: new PdfStream(dictOf({ Type: name("EmbeddedFile") }), definition),
      });
      catalog = catalog.with({
        Names: dictOf({
          EmbeddedFiles: dictOf({
            Names: [
              textString("du-thao.txt"),
              dictOf({
                Type: name("Filespec"),
                F: textString("du-thao.txt"),
                EF: dictOf({ F: new PdfRef(carrier) }),
              }),
            ],
          }),
        }),
      });
    }
  }
  if (trigger === "skew-catalog" && catalog === root) {
    catalog = root.with({ Version: name("1.7") });
  }
  if (catalog !== root) {
    objects.push({ objectNumber: rootRef.objectNumber, generation: rootRef.generation, value: catalog });
  }
  if (trigger === "missing-info-ref") {
    const info = s.alloc();
    objects.push({
      objectNumber: info,
      value: dictOf({ Title: textString("Cong van"), GTS_PDFA1Version: new PdfRef(info + 5000) }),
    });
    trailer.Info = new PdfRef(info);
  }
  return {
    step: step(
      "reconstruction-trick",
      attackOrNeutral(change.neutral),
      `${target.role} ${n} ${change.how}, hidden in ${where} as ${JSON.stringify(header)}, trigger ${trigger}`,
    ),
    objects,
    raw,
    trailer,
    ...(trigger === "pad-before-eof" ? { padBeforeEof: 40_000 } : {}),
    ...(trigger === "pad-after-eof" ? { padAfterEof: 40_000 } : {}),
    ...(trigger === "skew-catalog"
      ? { skew: [{ objectNumber: rootRef.objectNumber, delta: 1 + s.rng.int(5) }] }
      : {}),
  };
};

// Legitimate object-level changes ------------------------------------------------------------

const changeInfo: Mutator = (s) => {
  const infoRef = s.file.trailer.getRef("Info");
  const info = infoRef ? s.file.resolve(infoRef) : undefined;
  const title = textString(`${LETTER.subject} (${s.rng.int(1000)})`);
  if (infoRef && info instanceof PdfDict && s.rng.chance(0.7)) {
    return {
      step: step("info", "legit", `Info ${infoRef.objectNumber} redefined`),
      objects: [
        {
          objectNumber: infoRef.objectNumber,
          generation: infoRef.generation,
          value: info.with({ Title: title, ModDate: textString("D:20250305140211+07'00'") }),
        },
      ],
    };
  }
  const number = s.alloc();
  return {
    step: step("info", "legit", `new Info ${number}`),
    objects: [
      {
        objectNumber: number,
        value: dictOf({ Title: title, Producer: textString("Lienthong fuzz") }),
      },
    ],
    trailer: { Info: new PdfRef(number) },
  };
};

function catalogEdit(
  s: State,
  changes: Record<string, PdfObject | undefined>,
  kind: string,
  detail: string,
): Edit {
  const { ref, dict } = catalogOf(s.file);
  return {
    step: step(kind, "legit", detail),
    objects: [{ objectNumber: ref.objectNumber, generation: ref.generation, value: dict.with(changes) }],
  };
}

const changeMetadata: Mutator = (s) => {
  const { dict } = catalogOf(s.file);
  const existing = dict.getRef("Metadata");
  if (existing && s.file.resolve(existing) instanceof PdfStream && s.rng.chance(0.6)) {
    return {
      step: step("xmp-metadata", "legit", `Metadata ${existing.objectNumber} redefined`),
      objects: [
        { objectNumber: existing.objectNumber, generation: existing.generation, value: xmpStream(s.rng) },
      ],
    };
  }
  const number = s.alloc();
  const edit = catalogEdit(s, { Metadata: new PdfRef(number) }, "xmp-metadata", `new Metadata ${number}`);
  return { ...edit, objects: [...edit.objects, { objectNumber: number, value: xmpStream(s.rng) }] };
};

const changeVersion: Mutator = (s) =>
  catalogEdit(s, { Version: name(s.rng.pick(["1.7", "2.0"])) }, "version", "catalog /Version");

const changeExtensions: Mutator = (s) =>
  catalogEdit(
    s,
    {
      Extensions: dictOf({ ADBE: dictOf({ BaseVersion: name("1.7"), ExtensionLevel: 8 }) }),
    },
    "extensions",
    "catalog /Extensions",
  );

/** New validation data: a /DSS with new streams (the signers' certificates). */
const addDss: Mutator = (s) => {
  const { dict } = catalogOf(s.file);
  const certs: IssuedCert[] = [s.context.signers.person, s.context.signers.organisation];
  const objects: RawObject[] = [];
  const refs: PdfRef[] = [];
  for (const cert of certs) {
    const number = s.alloc();
    objects.push({ objectNumber: number, value: new PdfStream(new PdfDict(), cert.certificate.der) });
    refs.push(new PdfRef(number));
    for (const issuer of cert.chain) {
      const n = s.alloc();
      objects.push({ objectNumber: n, value: new PdfStream(new PdfDict(), issuer.der) });
      refs.push(new PdfRef(n));
    }
  }
  const dssNumber = s.alloc();
  objects.push({ objectNumber: dssNumber, value: dictOf({ Certs: refs }) });
  const edit = catalogEdit(
    s,
    { DSS: new PdfRef(dssNumber) },
    "dss",
    `new DSS ${dssNumber} with ${refs.length} certificates`,
  );
  if (dict.has("DSS")) {
    return undefined;
  }
  return { ...edit, objects: [...edit.objects, ...objects] };
};

// ---------------------------------------------------------------------------------------------
// Steps that are whole revisions made by the project's writers (signatures, timestamps, forms)
// ---------------------------------------------------------------------------------------------

interface WholeStep {
  readonly step: FuzzStep;
  readonly bytes: Uint8Array;
}

type Special = (s: State) => Promise<WholeStep | undefined>;

function stampRect(rng: Rng, page: PdfPage): [number, number, number, number] {
  const [x1, y1, x2, y2] = page.mediaBox;
  const w = rng.between(120, 260);
  const h = rng.between(40, 90);
  const x = rng.between(x1 + 10, Math.max(x1 + 11, x2 - w - 10));
  const y = rng.between(y1 + 10, Math.max(y1 + 11, y2 - h - 10));
  return [Math.round(x), Math.round(y), Math.round(x + w), Math.round(y + h)];
}

const sign: Special = async (s) => {
  const { rng } = s;
  const signers = s.context.signers;
  const who = rng.weighted<[string, IssuedCert]>([
    [5, ["person", signers.person]],
    [5, ["organisation", signers.organisation]],
    [1, ["attacker", signers.attacker]],
  ]);
  const pages = pagesOf(s.file);
  const pageNumber = 1 + rng.int(pages.length);
  const kind = rng.weighted<string>([
    [3, "none"],
    [4, "stamp"],
    [2, "signer"],
    [1, "seal"],
  ]);
  const appearance =
    kind === "none"
      ? undefined
      : kind === "stamp"
        ? {
            kind: "stamp" as const,
            page: pageNumber,
            rect: stampRect(rng, pages[pageNumber - 1]!),
            lines: [`Số: ${rng.int(9999)}/STC-VP`, "Đã ký số"],
          }
        : kind === "signer"
          ? {
              kind: "signer" as const,
              page: pageNumber,
              image: signatureImage(),
              title: LETTER.signerTitle,
              signerName: LETTER.signerName,
            }
          : { kind: "seal" as const, page: pageNumber, image: sealImage() };
  const bytes = await signPdf(s.bytes, {
    signer: signerOf(who[1]),
    reason: "Ký số văn bản",
    signingTime: new Date(Date.UTC(2025, 2, 6, 8, rng.int(60))),
    ...(appearance ? { appearance } : {}),
  });
  return {
    step: step(
      kind === "none" ? "sign-invisible" : "sign-visible",
      who[0] === "attacker" ? "attack" : "legit",
      `${who[0]}, ${kind} on page ${pageNumber}`,
    ),
    bytes,
  };
};

/**
 * A signature (or document timestamp) whose revision is written here rather than by `signPdf`, so
 * that it can carry more than a signature: its appearance stream, signature dictionary or widget
 * written as a new version of a signed object (a content stream, font, XObject or annotation);
 * the page's other annotations dropped; /NeedAppearances set; another change of this module in the
 * same revision. "plain" carries nothing more and should pass like any genuine signature.
 */
const signWithExtras: Special = async (s) => {
  const { rng, file } = s;
  const legitOnly = s.legitOnly;
  const extra = legitOnly
    ? "plain"
    : rng.weighted<string>([
        [2, "plain"],
        [3, "ap-reuses-signed-object"],
        [2, "sigdict-reuses-signed-object"],
        [2, "widget-reuses-signed-object"],
        [2, "ap-fills-dangling"],
        [1, "sigdict-fills-dangling"],
        [1, "widget-fills-dangling"],
        [2, "drop-other-annots"],
        [1, "need-appearances"],
        [3, "extra-change"],
      ]);
  const timestampKind = !legitOnly && s.context.tsa !== undefined && rng.chance(0.25);
  const pages = pagesOf(file);
  const page = rng.pick(pages);
  const rect = stampRect(rng, page);
  const { ref: rootRef, dict: root } = catalogOf(file);
  // The object whose number a part of the signature takes: a signed object, or a dangling reference.
  const unfilled = (s.base.dangling ?? []).filter((d) => file.resolve(new PdfRef(d.objectNumber)) == null);
  const target = extra.includes("reuses")
    ? shownObject(s)
    : extra.includes("fills-dangling") && unfilled.length > 0
      ? (() => {
          const d = rng.pick(unfilled);
          return { ref: new PdfRef(d.objectNumber), role: `dangling ${d.role}` };
        })()
      : undefined;
  if ((extra.includes("reuses") || extra.includes("fills-dangling")) && !target) {
    return undefined;
  }
  const w = rect[2] - rect[0];
  const h = rect[3] - rect[1];
  const part = extra.split("-")[0];
  const apNumber = part === "ap" ? target!.ref.objectNumber : s.alloc();
  const sigNumber = part === "sigdict" ? target!.ref.objectNumber : s.alloc();
  const widgetNumber = part === "widget" ? target!.ref.objectNumber : s.alloc();
  const signer = signerOf(rng.chance(0.5) ? s.context.signers.person : s.context.signers.organisation);
  const dictionary = buildSignatureDictionary({
    contentsBytes: timestampKind
      ? 9000
      : estimateCmsSize({ certificate: signer.certificate, chain: signer.chain }),
    ...(timestampKind ? { subFilter: "ETSI.RFC3161" } : { reason: "Ký số văn bản" }),
    signingTime: new Date(Date.UTC(2025, 2, 7, 9, rng.int(60))),
  });
  const objects: RawObject[] = [{ objectNumber: sigNumber, value: null, body: dictionary.body }];
  const visible = !timestampKind || rng.chance(0.3);
  const widget = dictOf({
    Type: name("Annot"),
    Subtype: name("Widget"),
    FT: name("Sig"),
    T: textString(`Signature${widgetNumber}`),
    V: new PdfRef(sigNumber),
    P: page.ref,
    Rect: visible ? rect : [0, 0, 0, 0],
    F: 132,
  });
  // An appearance that redefines a signed object is written even for an invisible widget.
  if (visible || part === "ap") {
    const content = `q 0.95 g 0 0 ${w} ${h} re f Q BT /Helv 10 Tf 0 0 0.6 rg 4 ${Math.max(4, h - 14)} Td (Da ky so) Tj ET`;
    objects.push({
      objectNumber: apNumber,
      value: newStream(
        rng,
        dictOf({
          Type: name("XObject"),
          Subtype: name("Form"),
          BBox: [0, 0, w, h],
          Resources: dictOf({ Font: dictOf({ Helv: standardFont("Helvetica") }) }),
        }),
        latin1(content),
      ),
    });
    widget.map.set("AP", dictOf({ N: new PdfRef(apNumber) }));
  }
  objects.push({ objectNumber: widgetNumber, value: widget });
  // The page's /Annots (the array object when indirect) and the form's /Fields.
  const annotsValue = page.dict.get("Annots");
  const existing = asRefs(annotsValue, file);
  if (extra === "drop-other-annots" && existing.length === 0) {
    return undefined;
  }
  const others = extra === "drop-other-annots" ? [] : existing;
  const annots = [...others.filter((r) => r.objectNumber !== widgetNumber), new PdfRef(widgetNumber)];
  let pageDict: PdfDict | undefined;
  if (annotsValue instanceof PdfRef && Array.isArray(file.resolve(annotsValue))) {
    objects.push({
      objectNumber: annotsValue.objectNumber,
      generation: annotsValue.generation,
      value: annots,
    });
  } else {
    pageDict = page.dict.with({ Annots: annots });
  }
  const formValue = root.get("AcroForm");
  const form = file.deref(formValue);
  const baseForm = form instanceof PdfDict ? form : new PdfDict();
  const fieldsValue = baseForm.get("Fields");
  const fields = [
    ...asRefs(fieldsValue, file).filter((r) => r.objectNumber !== widgetNumber),
    new PdfRef(widgetNumber),
  ];
  let newForm = baseForm.with({
    SigFlags: 3,
    ...(extra === "need-appearances" ? { NeedAppearances: true } : {}),
  });
  if (fieldsValue instanceof PdfRef && Array.isArray(file.resolve(fieldsValue))) {
    objects.push({
      objectNumber: fieldsValue.objectNumber,
      generation: fieldsValue.generation,
      value: fields,
    });
  } else {
    newForm = newForm.with({ Fields: fields });
  }
  let rootDict: PdfDict | undefined;
  if (formValue instanceof PdfRef) {
    objects.push({ objectNumber: formValue.objectNumber, generation: formValue.generation, value: newForm });
  } else {
    rootDict = root.with({ AcroForm: newForm });
  }
  if (pageDict) {
    if (page.ref.objectNumber === rootRef.objectNumber) {
      return undefined;
    }
    objects.push({ objectNumber: page.ref.objectNumber, generation: page.ref.generation, value: pageDict });
  }
  if (rootDict) {
    objects.push({ objectNumber: rootRef.objectNumber, generation: rootRef.generation, value: rootDict });
  }
  const edits: Edit[] = [{ step: step("hand-signed", "legit", ""), objects }];
  let extraDetail = "";
  if (extra === "extra-change") {
    const pick = rng.weighted(ATTACK_STEPS.filter(([, st]) => "mutator" in st)) as { mutator: Mutator };
    const edit = pick.mutator(s);
    if (edit && !edit.packed?.length && !edit.compressedEntries?.length) {
      edits.push(edit);
      extraDetail = `${edit.step.kind} (${edit.step.detail})`;
    }
  }
  const merged = mergeEdits(edits);
  const bytes = await signRevision(
    s,
    planOf(s, merged),
    sigNumber,
    dictionary,
    timestampKind ? undefined : signer,
  );
  const others2 = merged.slice(1).map((e) => e.step);
  const intent: Intent =
    extra === "plain" || (extra === "extra-change" && others2.every((st) => st.intent !== "attack"))
      ? timestampKind && visible
        ? "attack"
        : others2.some((st) => st.intent === "neutral")
          ? "neutral"
          : "legit"
      : "attack";
  const what = timestampKind ? "document timestamp" : "signature";
  return {
    step: step(
      `hand-${timestampKind ? "timestamp" : "signed"}-${extra}`,
      intent,
      `${what}, ${visible ? `visible [${rect.join(" ")}]` : "invisible"} on page ${page.ref.objectNumber}${target ? `, reusing ${target.role} ${target.ref.objectNumber}` : ""}${extraDetail ? `, with ${extraDetail}` : ""}`,
    ),
    bytes,
  };
};

/**
 * Writes `plan` (whose objects hold the signature dictionary `dictionary` as object `sigNumber`),
 * patches the byte range and embeds a CMS signature by `signer`, or a document timestamp from the
 * context's TSA when `signer` is undefined.
 */
async function signRevision(
  s: State,
  plan: RevisionPlan,
  sigNumber: number,
  dictionary: ReturnType<typeof buildSignatureDictionary>,
  signer: ReturnType<typeof signerOf> | undefined,
): Promise<Uint8Array> {
  const { bytes, bodyOffsets } = writeRevisionAt(s.bytes, { ...plan, packed: [], compressedEntries: [] });
  const bodyOffset = bodyOffsets.get(sigNumber)!;
  const contentsStart = bodyOffset + dictionary.contentsAt;
  const contentsEnd = contentsStart + dictionary.contentsLength;
  const byteRange = [0, contentsStart, contentsEnd, bytes.length - contentsEnd] as const;
  patchByteRange(bytes, bodyOffset + dictionary.byteRangeAt, dictionary.byteRangeWidth, byteRange);
  const contentDigest = hashByteRange(bytes, byteRange, "sha256");
  const value = signer
    ? await createCmsSignature({ contentDigest, hashAlgorithm: "sha256", signer })
    : await s.context.tsa!.timestamp(contentDigest, "sha256");
  embedSignatureContents(bytes, contentsStart, contentsEnd, value);
  return bytes;
}

/** Empty signature fields (a widget with /FT /Sig and no /V) on the pages. */
function emptySignatureFields(s: State): { ref: PdfRef; widget: PdfDict; page: PdfPage }[] {
  const out: { ref: PdfRef; widget: PdfDict; page: PdfPage }[] = [];
  for (const page of pagesOf(s.file)) {
    for (const ref of annotRefs(s.file, page)) {
      const widget = s.file.resolve(ref);
      if (widget instanceof PdfDict && widget.getName("FT") === "Sig" && !widget.has("V")) {
        out.push({ ref, widget, page });
      }
    }
  }
  return out;
}

/**
 * A genuine signature into a pre-placed empty signature field: the field gets its /V and, mostly,
 * a new appearance (the widget is then the new signature's: it may paint there).
 */
const signIntoEmptyField: Special = async (s) => {
  const fields = emptySignatureFields(s);
  if (fields.length === 0) {
    return undefined;
  }
  const { ref, widget } = s.rng.pick(fields);
  const signer = signerOf(s.rng.chance(0.5) ? s.context.signers.person : s.context.signers.organisation);
  const sigNumber = s.alloc();
  const dictionary = buildSignatureDictionary({
    contentsBytes: estimateCmsSize({ certificate: signer.certificate, chain: signer.chain }),
    reason: "Ký số văn bản",
    signingTime: new Date(Date.UTC(2025, 2, 8, 10, s.rng.int(60))),
  });
  const objects: RawObject[] = [{ objectNumber: sigNumber, value: null, body: dictionary.body }];
  let newWidget = widget.with({ V: new PdfRef(sigNumber) });
  const repaint = s.rng.chance(0.6);
  if (repaint) {
    const rect = widget.getArray("Rect")?.filter((n): n is number => typeof n === "number") ?? [
      0, 0, 100, 40,
    ];
    const w = Math.max(10, Math.abs((rect[2] ?? 100) - (rect[0] ?? 0)));
    const h = Math.max(10, Math.abs((rect[3] ?? 40) - (rect[1] ?? 0)));
    const apNumber = s.alloc();
    objects.push({
      objectNumber: apNumber,
      value: newStream(
        s.rng,
        dictOf({
          Type: name("XObject"),
          Subtype: name("Form"),
          BBox: [0, 0, w, h],
          Resources: dictOf({ Font: dictOf({ Helv: standardFont("Helvetica") }) }),
        }),
        latin1(`q 0.9 0.9 1 rg 0 0 ${w} ${h} re f Q BT /Helv 9 Tf 0 0 0.6 rg 4 4 Td (Da ky so) Tj ET`),
      ),
    });
    newWidget = newWidget.with({ AP: dictOf({ N: new PdfRef(apNumber) }) });
  }
  objects.push({ objectNumber: ref.objectNumber, generation: ref.generation, value: newWidget });
  const bytes = await signRevision(
    s,
    planOf(s, [{ step: step("x", "legit", ""), objects }]),
    sigNumber,
    dictionary,
    signer,
  );
  return {
    step: step(
      "sign-into-empty-field",
      "legit",
      `field ${ref.objectNumber}${repaint ? ", new appearance" : ", appearance kept"}`,
    ),
    bytes,
  };
};

/**
 * Changes to a pre-placed empty signature field without signing it: a new appearance, a new /MK
 * (which viewers use to draw a widget without /AP), a moved /Rect, or hidden.
 */
const repaintEmptyField: Mutator = (s) => {
  const fields = emptySignatureFields(s);
  if (fields.length === 0) {
    return undefined;
  }
  const { ref, widget } = s.rng.pick(fields);
  const how = s.rng.pick(["ap", "mk", "move", "hide"]);
  const objects: RawObject[] = [];
  let value = widget;
  if (how === "ap") {
    const apNumber = s.alloc();
    const ap = appearanceStream(s.rng, 200, 70);
    objects.push({ objectNumber: apNumber, value: ap.value });
    value = widget.with({ AP: dictOf({ N: new PdfRef(apNumber) }) });
  } else if (how === "mk") {
    value = widget.with({ AP: undefined, MK: dictOf({ BG: [1, 0, 0], BC: [0, 0, 0], CA: textString("X") }) });
  } else if (how === "move") {
    value = widget.with({ Rect: [72, 690, 400, 730] });
  } else {
    value = widget.with({ F: 2 });
  }
  objects.push({ objectNumber: ref.objectNumber, generation: ref.generation, value });
  return { step: step("repaint-empty-field", "attack", `field ${ref.objectNumber}: ${how}`), objects };
};

/**
 * Adds to the AcroForm's default resources (/DR) what "a font for the form" would be — which
 * changes the page when the /DR dictionary is also a page's /Resources (or its /Font): the names
 * `Fx` (a Form XObject) and `F9` (a font) are the ones the pre-placed letter's content uses.
 */
const extendDr: Mutator = (s) => {
  const { ref: rootRef, dict: root } = catalogOf(s.file);
  const formValue = root.get("AcroForm");
  const form = s.file.deref(formValue);
  if (!(form instanceof PdfDict)) {
    return undefined;
  }
  const drValue = form.get("DR");
  const dr = s.file.deref(drValue);
  const base = dr instanceof PdfDict ? dr : new PdfDict();
  const objects: RawObject[] = [];
  const what = s.rng.pick(["font", "xobject"]);
  let newDr: PdfDict;
  if (what === "font") {
    const fontsValue = base.get("Font");
    const fonts = s.file.deref(fontsValue);
    const newFonts = (fonts instanceof PdfDict ? fonts : new PdfDict()).with({
      F9: standardFont("Helvetica-Bold"),
    });
    if (fontsValue instanceof PdfRef) {
      objects.push({
        objectNumber: fontsValue.objectNumber,
        generation: fontsValue.generation,
        value: newFonts,
      });
      newDr = base;
    } else {
      newDr = base.with({ Font: newFonts });
    }
  } else {
    const cover = s.alloc();
    const [x, y, w, h] = randomBox(s.rng);
    objects.push({
      objectNumber: cover,
      value: newStream(
        s.rng,
        dictOf({ Type: name("XObject"), Subtype: name("Form"), BBox: [0, 0, 595, 842] }),
        latin1(`q 0.8 0 0 rg ${x} ${y} ${w} ${h} re f Q`),
      ),
    });
    newDr = base.with({ XObject: dictOf({ Fx: new PdfRef(cover) }) });
  }
  if (newDr !== base) {
    if (drValue instanceof PdfRef) {
      objects.push({ objectNumber: drValue.objectNumber, generation: drValue.generation, value: newDr });
    } else if (formValue instanceof PdfRef) {
      objects.push({
        objectNumber: formValue.objectNumber,
        generation: formValue.generation,
        value: form.with({ DR: newDr }),
      });
    } else {
      objects.push({
        objectNumber: rootRef.objectNumber,
        generation: rootRef.generation,
        value: root.with({ AcroForm: form.with({ DR: newDr }) }),
      });
    }
  }
  const shared = drValue instanceof PdfRef;
  return {
    step: step(
      "extend-dr",
      shared ? "attack" : "neutral",
      `${what} into ${shared ? `DR object ${drValue.objectNumber}` : "a direct DR"}`,
    ),
    objects,
  };
};

const timestamp: (visible: boolean) => Special = (visible) => async (s) => {
  const tsa = s.context.tsa;
  if (!tsa) {
    return undefined;
  }
  const pages = pagesOf(s.file);
  const pageNumber = 1 + s.rng.int(pages.length);
  const placeholder = await insertSignaturePlaceholder(s.bytes, {
    contentsBytes: 9000,
    subFilter: "ETSI.RFC3161",
    ...(visible
      ? {
          appearance: {
            kind: "stamp" as const,
            page: pageNumber,
            rect: stampRect(s.rng, pages[pageNumber - 1]!),
            lines: ["Dấu thời gian", "Đã xác thực"],
          },
        }
      : {}),
  });
  const token = await tsa.timestamp(
    hashByteRange(placeholder.bytes, placeholder.byteRange, "sha256"),
    "sha256",
  );
  const bytes = new Uint8Array(placeholder.bytes);
  embedSignatureContents(bytes, placeholder.contentsStart, placeholder.contentsEnd, token);
  return {
    step: step(
      visible ? "doc-timestamp-visible" : "doc-timestamp",
      visible ? "attack" : "legit",
      visible ? `visible widget on page ${pageNumber}` : "invisible",
    ),
    bytes,
  };
};

const fillEmptyField: Special = async (s) => {
  const name = s.base.emptyField;
  if (!name) {
    return undefined;
  }
  try {
    return {
      step: step("fill-empty-field", "allowed-visible", `field ${name}`),
      bytes: fillField(s.bytes, name, s.rng.pick(["Da xem", "Dong y", "Chuyen VT"])),
    };
  } catch {
    return undefined;
  }
};

// ---------------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------------

type AnyStep = { readonly mutator: Mutator } | { readonly special: Special };

const ATTACK_STEPS: readonly (readonly [number, AnyStep])[] = [
  [6, { mutator: redefineContent }],
  [4, { mutator: redefineFont }],
  [4, { mutator: redefinePage }],
  [2, { mutator: redefineResources }],
  [3, { mutator: redefineXObject }],
  [3, { mutator: redefineAnnotation }],
  [4, { mutator: redefineCatalog }],
  [2, { mutator: redefineAcroForm }],
  [6, { mutator: reRole }],
  [4, { mutator: objectStreamMutation }],
  [4, { mutator: fillDangling }],
  [5, { mutator: addAnnotation }],
  [2, { mutator: newRoot }],
  [3, { mutator: freeOrBumpGeneration }],
  [4, { mutator: hiddenObject }],
  [2, { mutator: prevSkip }],
  [5, { mutator: reconstructionTrick }],
  [3, { mutator: extendDr }],
  [3, { mutator: repaintEmptyField }],
  [6, { special: signWithExtras }],
  [2, { mutator: identicalRewrite }],
  [2, { special: timestamp(true) }],
  [2, { special: fillEmptyField }],
];

const LEGIT_STEPS: readonly (readonly [number, AnyStep])[] = [
  [8, { special: sign }],
  [2, { special: signWithExtras }],
  [3, { special: signIntoEmptyField }],
  [3, { special: timestamp(false) }],
  [3, { mutator: changeInfo }],
  [2, { mutator: changeMetadata }],
  [2, { mutator: changeVersion }],
  [2, { mutator: changeExtensions }],
  [2, { mutator: addDss }],
];

const LEGIT_MUTATORS: readonly (readonly [number, Mutator])[] = [
  [3, changeInfo],
  [2, changeMetadata],
  [1, changeVersion],
  [1, changeExtensions],
];

function mergeEdits(edits: readonly Edit[]): Edit[] {
  const used = new Set<number>();
  const trailerKeys = new Set<string>();
  const kept: Edit[] = [];
  for (const edit of edits) {
    const numbers = [...edit.objects, ...(edit.packed ?? []), ...(edit.free ?? [])].map(
      (o) => o.objectNumber,
    );
    const keys = Object.keys(edit.trailer ?? {});
    if (numbers.some((n) => used.has(n)) || keys.some((k) => trailerKeys.has(k))) {
      continue; // two changes of one object in one revision: keep the first
    }
    for (const n of numbers) {
      used.add(n);
    }
    for (const k of keys) {
      trailerKeys.add(k);
    }
    kept.push(edit);
  }
  return kept;
}

function planOf(s: State, edits: readonly Edit[]): RevisionPlan {
  const compressedEntries = edits.flatMap((e) => e.compressedEntries ?? []);
  const trailer = Object.assign({}, ...edits.map((e) => e.trailer ?? {})) as Record<
    string,
    PdfObject | undefined
  >;
  const newest = s.file.revisions[s.file.revisions.length - 1]!.xrefKind;
  const xref = s.rng.chance(0.15) ? (newest === "table" ? "stream" : "table") : newest;
  return {
    objects: edits.flatMap((e) => e.objects),
    packed: edits.flatMap((e) => e.packed ?? []),
    compressedEntries,
    hidden: edits.flatMap((e) => e.hidden ?? []),
    free: edits.flatMap((e) => e.free ?? []),
    skew: edits.flatMap((e) => e.skew ?? []),
    raw: edits.flatMap((e) => e.raw ?? []),
    padBeforeEof: Math.max(0, ...edits.map((e) => e.padBeforeEof ?? 0)),
    padAfterEof: Math.max(0, ...edits.map((e) => e.padAfterEof ?? 0)),
    ...(edits.find((e) => e.prev !== undefined)
      ? { prev: edits.find((e) => e.prev !== undefined)!.prev }
      : {}),
    trailer,
    xref,
    compressObjectStream: s.rng.chance(0.5),
  };
}

function intentOf(steps: readonly FuzzStep[]): Intent {
  const intents = new Set(steps.map((st) => st.intent));
  for (const intent of ["attack", "allowed-visible", "neutral"] as const) {
    if (intents.has(intent)) {
      return intent;
    }
  }
  return "legit";
}

/**
 * Makes the case of `seed`: a base, then one to three revisions. About 45 % of the cases use only
 * legitimate steps; the rest mix attacks (several object changes may share one revision) with
 * legitimate and neutral steps, in any order.
 */
export async function makeFuzzCase(seed: number, context: FuzzContext): Promise<FuzzCase> {
  const rng = new Rng(seed);
  const base = rng.pick(context.bases);
  const legitOnly = rng.chance(0.45);
  const revisions = rng.weighted<number>([
    [5, 1],
    [3, 2],
    [2, 3],
  ]);
  const steps: FuzzStep[] = [];
  let bytes = base.bytes;
  let pending: ((s: State) => Edit | undefined) | undefined;
  for (let r = 0; r < revisions || pending; r++) {
    if (r > 6) {
      break;
    }
    try {
      const s = newState(bytes, rng, base, context, legitOnly);
      if (pending) {
        const edit = pending(s);
        pending = undefined;
        if (edit) {
          bytes = writeRevision(bytes, planOf(s, [edit]));
          steps.push(edit.step);
        }
        continue;
      }
      const table = legitOnly ? LEGIT_STEPS : rng.chance(0.7) ? ATTACK_STEPS : LEGIT_STEPS;
      let done = false;
      for (let attempt = 0; attempt < 6 && !done; attempt++) {
        const choice = rng.weighted(table);
        if ("special" in choice) {
          const whole = await choice.special(s);
          if (whole) {
            bytes = whole.bytes;
            steps.push(whole.step);
            done = true;
          }
          continue;
        }
        const first = choice.mutator(s);
        if (!first) {
          continue;
        }
        const edits = [first];
        // Sometimes more changes in the same revision.
        const more = legitOnly
          ? rng.chance(0.3)
            ? 1
            : 0
          : rng.weighted<number>([
              [6, 0],
              [3, 1],
              [1, 2],
            ]);
        for (let m = 0; m < more; m++) {
          const extra = legitOnly
            ? rng.weighted(LEGIT_MUTATORS)(s)
            : (() => {
                const pick = rng.weighted(ATTACK_STEPS.filter(([, st]) => "mutator" in st)) as {
                  mutator: Mutator;
                };
                return pick.mutator(s);
              })();
          if (extra) {
            edits.push(extra);
          }
        }
        const merged = mergeEdits(edits);
        bytes = writeRevision(bytes, planOf(s, merged));
        steps.push(...merged.map((e) => e.step));
        pending = merged.find((e) => e.followUp)?.followUp;
        done = true;
      }
    } catch (error) {
      steps.push(step("error", "neutral", String((error as Error)?.message ?? error).slice(0, 200)));
      break;
    }
  }
  return { seed, base: base.name, steps, bytes, intent: intentOf(steps) };
}

// ---------------------------------------------------------------------------------------------
// Bases
// ---------------------------------------------------------------------------------------------

function stream(content: string, dict = ""): string {
  return `<< ${dict} /Length ${content.length} >>\nstream\n${content}\nendstream`;
}

/**
 * A one-page letter (Helvetica) whose signed content refers to objects that do not exist: an
 * XObject the page draws (40), a font the page uses (41), an annotation on the page (43), and an
 * XObject that exists as the null object (6). With `xrefStream`, the dictionaries are in an object
 * stream and the cross-reference section is a stream (written here: qpdf drops dangling references).
 */
export function makeDanglingLetter(options: { readonly xrefStream?: boolean } = {}): {
  bytes: Uint8Array;
  dangling: DanglingRef[];
} {
  const content =
    "BT /F1 16 Tf 72 780 Td (CONG VAN SO 12/STC-VP) Tj ET\n" +
    "BT /F1 12 Tf 72 740 Td (So tien thanh toan: 1.000.000 dong) Tj ET\n" +
    "BT /F1 12 Tf 72 720 Td (Noi nhan: Bo Tai chinh; Luu: VT) Tj ET\n" +
    "q /X1 Do Q q /X2 Do Q\n" +
    "BT /F2 12 Tf 72 680 Td (Ghi chu: khong) Tj ET";
  const bodies = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R /F2 41 0 R >> /XObject << /X1 40 0 R /X2 6 0 R >> >> /Contents 5 0 R /Annots [43 0 R] >>",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    stream(content),
    "null",
  ];
  const dangling: DanglingRef[] = [
    { objectNumber: 40, role: "xobject", resource: "X1" },
    { objectNumber: 41, role: "font", resource: "F2" },
    { objectNumber: 43, role: "annotation" },
    { objectNumber: 6, role: "xobject", resource: "X2" },
  ];
  if (!options.xrefStream) {
    return { bytes: rawPdf(bodies), dangling };
  }
  // 5 (the content stream) and 7 (the object stream) plainly, 1–4 and 6 in 7, the xref stream 8.
  const members = [1, 2, 3, 4, 6];
  const texts = members.map((n) => bodies[n - 1]!);
  let offset = 0;
  const pairs = members.map((n, i) => {
    const pair = `${n} ${offset}`;
    offset += texts[i]!.length + 1;
    return pair;
  });
  const header = `${pairs.join(" ")}\n`;
  const objStm = `${header}${texts.join("\n")}\n`;
  let out = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n";
  const at5 = out.length;
  out += `5 0 obj\n${bodies[4]}\nendobj\n`;
  const at7 = out.length;
  out += `7 0 obj\n<< /Type /ObjStm /N ${members.length} /First ${header.length} /Length ${objStm.length} >>\nstream\n${objStm}\nendstream\nendobj\n`;
  const at8 = out.length;
  const rows: number[][] = [[0, 0, 0xffff]];
  for (let n = 1; n <= 8; n++) {
    const i = members.indexOf(n);
    rows.push(i >= 0 ? [2, 7, i] : [1, n === 5 ? at5 : n === 7 ? at7 : at8, 0]);
  }
  const data = Buffer.alloc(rows.length * 7);
  rows.forEach(([type, field2, field3], r) => {
    data.writeUInt8(type!, r * 7);
    data.writeUInt32BE(field2!, r * 7 + 1);
    data.writeUInt16BE(field3!, r * 7 + 5);
  });
  const head = Buffer.from(
    `${out}8 0 obj\n<< /Type /XRef /Size 9 /W [1 4 2] /Root 1 0 R /Length ${data.length} >>\nstream\n`,
    "latin1",
  );
  const tail = Buffer.from(`\nendstream\nendobj\nstartxref\n${at8}\n%%EOF\n`, "latin1");
  return { bytes: new Uint8Array(Buffer.concat([head, data, tail])), dangling };
}

/**
 * A one-page letter whose form's default resources (/DR, object 5) are the page's /Resources (a
 * shared dictionary: the content draws `/Fx` and uses `/F9`, no-ops at signing), with an empty,
 * pre-placed visible signature field (object 7, its appearance object 8).
 */
export function makePreplacedLetter(): Uint8Array {
  const content =
    "BT /F1 14 Tf 72 760 Td (So 12/UBND-TC: tam ung 28.500.000 dong) Tj ET\n" +
    "BT /F1 12 Tf 72 730 Td (Noi nhan: So Tai chinh; Luu: VT) Tj ET\n" +
    "q /Fx Do Q\nBT /F9 14 Tf 72 700 Td (Da huy) Tj ET";
  const appearance = "q 0 0 1 RG 1 w 0.5 0.5 199 69 re S Q BT /F1 9 Tf 0 0 1 rg 6 55 Td (Cho ky) Tj ET";
  return rawPdf([
    "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [7 0 R] /DR 5 0 R /DA (/F1 0 Tf 0 g) >> >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources 5 0 R /Contents 4 0 R /Annots [7 0 R] >>",
    stream(content),
    "<< /Font << /F1 6 0 R >> >>",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    "<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signature0) /Rect [350 80 550 150] /F 4 /P 3 0 R /AP << /N 8 0 R >> >>",
    stream(
      appearance,
      "/Type /XObject /Subtype /Form /BBox [0 0 200 70] /Resources << /Font << /F1 6 0 R >> >>",
    ),
  ]);
}

/** A one-page letter on a page rotated by 90° whose MediaBox does not start at 0 0, with a CropBox. */
export function makeRotatedLetter(): Uint8Array {
  const content =
    "BT /F1 16 Tf 60 560 Td (CONG VAN SO 7/STC-VP) Tj ET\n" +
    "BT /F1 12 Tf 60 520 Td (So tien thanh toan: 1.000.000 dong) Tj ET\n" +
    "q 0 0 1 rg 60 300 200 20 re f Q";
  return rawPdf([
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 /Rotate 90 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [20 30 862 625] /CropBox [40 40 800 600] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    stream(content),
  ]);
}

/**
 * The base letters, signed by the corpus signers (a few seconds): classic xref one and two
 * signatures; two pages with visible signer and seal; qpdf xref stream + object streams, one and
 * two signatures (the second visible); the shadow letter (form, optional content, XObject) signed
 * and certified (P=2); the dangling-reference letter, classic and as an xref stream; the rotated
 * letter with two visible signatures; the pre-placed letter (shared /DR, an empty signature field);
 * with a TSA, a letter signed, timestamped and sealed.
 */
export async function buildFuzzBases(signers: CorpusSigners, tsa?: FuzzTsa): Promise<FuzzBase[]> {
  const { person, organisation } = signers;
  const one = await makeLetterPdf({ pages: 1 });
  const two = await makeLetterPdf({ pages: 2 });
  const tableOne = await signAll(one, [person]);
  const tableTwo = await signAll(tableOne, [organisation]);
  const visible = await signAll(
    two,
    [person, organisation],
    [
      { kind: "signer", image: signatureImage(), title: LETTER.signerTitle, signerName: LETTER.signerName },
      { kind: "seal", image: sealImage() },
    ],
  );
  const xrefStream = await toXrefStreamPdf(two);
  const streamOne = await signAll(xrefStream, [person]);
  const streamTwo = await signAll(
    streamOne,
    [organisation],
    [{ kind: "stamp", page: 2, rect: [320, 80, 540, 150], lines: ["Số: 12/STC-VP", "Đã ký số"] }],
  );
  const shadow = await makeShadowLetter();
  const shadowSigned = await signAll(shadow, [person]);
  const certified = await certifyPdf(shadow, { signer: signerOf(person), permission: 2 });
  const dangling = makeDanglingLetter();
  const danglingSigned = await signAll(dangling.bytes, [person]);
  const danglingStream = await signAll(makeDanglingLetter({ xrefStream: true }).bytes, [person]);
  const rotated = await signAll(
    makeRotatedLetter(),
    [person, organisation],
    [
      { kind: "stamp", page: 1, rect: [400, 100, 600, 160], lines: ["Số: 7/STC-VP", "Đã ký số"] },
      { kind: "stamp", page: 1, rect: [100, 400, 300, 460], lines: ["Sở Tài chính", "Đã ký số"] },
    ],
  );
  const bases: FuzzBase[] = [
    { name: "table-1sig", bytes: tableOne, signatures: 1 },
    { name: "table-2sig", bytes: tableTwo, signatures: 2 },
    { name: "table-2page-visible-2sig", bytes: visible, signatures: 2 },
    { name: "stream-1sig", bytes: streamOne, signatures: 1 },
    { name: "stream-2sig-visible", bytes: streamTwo, signatures: 2 },
    { name: "shadow-1sig", bytes: shadowSigned, signatures: 1, emptyField: SHADOW_TEXT.emptyField },
    { name: "certified-p2", bytes: certified, signatures: 1, emptyField: SHADOW_TEXT.emptyField },
    { name: "dangling-1sig", bytes: danglingSigned, signatures: 1, dangling: dangling.dangling },
    { name: "dangling-stream-1sig", bytes: danglingStream, signatures: 1, dangling: dangling.dangling },
    { name: "rotated-2sig-visible", bytes: rotated, signatures: 2 },
    { name: "preplaced-1sig", bytes: await signAll(makePreplacedLetter(), [person]), signatures: 1 },
  ];
  if (tsa) {
    const s = newState(tableOne, new Rng(1), bases[0]!, { bases, signers, tsa });
    const stamped = await timestamp(false)(s);
    if (stamped) {
      bases.push({
        name: "table-sig-timestamp-sig",
        bytes: await signAll(stamped.bytes, [organisation]),
        signatures: 3,
      });
    }
  }
  return bases;
}

// ---------------------------------------------------------------------------------------------
// A fuzz run: cases, the verifier, and the rendering oracle on whatever it passes
// ---------------------------------------------------------------------------------------------

/** A case that the verifier passed and whose rendering differs from a signed revision. */
export interface FuzzFailure {
  readonly seed: number;
  readonly base: string;
  /** Non-legitimate step kinds and the difference modes, e.g. "re-role-dss+rewrite [render,text]". */
  readonly failureClass: string;
  readonly steps: readonly FuzzStep[];
  readonly differences: readonly OracleDifference[];
  /** Where the file was written, when a failure directory was given. */
  readonly path?: string;
}

export interface FuzzRunOptions {
  /** First seed; cases use seeds first, first + 1, … */
  readonly first: number;
  readonly count: number;
  readonly context: FuzzContext;
  readonly validate: (bytes: Uint8Array) => Promise<ValidationReport>;
  /** Cases in flight at once (their poppler processes share the oracle's limit); default 3. */
  readonly concurrency?: number;
  /** Failing files (and their differing images) are written here. */
  readonly failureDir?: string;
  readonly oracle?: OracleOptions;
  /** Called after each case. */
  readonly onCase?: (done: number) => void;
}

interface Tally {
  cases: number;
  passed: number;
}

export interface FuzzRunStats {
  readonly first: number;
  readonly cases: number;
  /** TOTAL_PASSED cases: each was checked by the oracle. */
  readonly passed: number;
  readonly byIntent: Readonly<Record<Intent, Tally>>;
  /** ExchangeError codes of whole-file refusals. */
  readonly thrown: ReadonlyMap<string, number>;
  /** Anything else escaping the verifier or the oracle (seed and message). */
  readonly crashes: readonly string[];
  readonly failures: readonly FuzzFailure[];
  /**
   * TOTAL_PASSED cases whose report lists fewer signatures than the base had plus the steps added:
   * an earlier signature vanished (its field unlisted, its widget or dictionary overwritten, freed,
   * given another generation, or its revision skipped by /Prev) — not something the rendering
   * oracle can see, since it checks the signatures the report lists.
   */
  readonly signaturesLost: ReadonlyMap<string, { count: number; seeds: number[]; why: string }>;
  /** Where the report's paintedAfter disagreed with qpdf's visible widgets (informational), by class. */
  readonly paintedAfterNotes: ReadonlyMap<string, { count: number; seeds: number[]; why: string }>;
  /** Cases meant as attacks that passed and that the oracle found to show nothing new, by class. */
  readonly attacksUnseen: ReadonlyMap<string, { count: number; seeds: number[]; why: string }>;
  /** Legitimate cases the verifier did not pass, by class: count, first seeds, why. */
  readonly legitRejected: ReadonlyMap<string, { count: number; seeds: number[]; why: string }>;
  readonly milliseconds: number;
}

function base(context: FuzzContext, name: string): FuzzBase | undefined {
  return context.bases.find((b) => b.name === name);
}

/** Steps that add a signature or document timestamp to the file. */
function addsSignature(st: FuzzStep): boolean {
  return /^(sign-|hand-signed|hand-timestamp|doc-timestamp)/.test(st.kind);
}

function failureClassOf(fuzzCase: FuzzCase, differences: readonly OracleDifference[]): string {
  const kinds = [...new Set(fuzzCase.steps.filter((s) => s.intent !== "legit").map((s) => s.kind))].sort();
  const modes = [...new Set(differences.map((d) => d.mode))].sort();
  return `${kinds.join("+") || "legit-only"} [${modes.join(",")}]`;
}

function whyRejected(report: ValidationReport): string {
  return report.signatures
    .map(
      (s) =>
        `#${s.index} ${s.indication}/${s.modification}/${s.checks
          .filter((c) => c.status === "failed")
          .map((c) => c.code)
          .join("+")}`,
    )
    .join(" ");
}

/**
 * Runs `count` cases: each is made, validated, and — when TOTAL_PASSED — checked by the rendering
 * oracle. Never throws for a case: failures, crashes and rejections are counted and returned.
 */
export async function runOracleFuzz(options: FuzzRunOptions): Promise<FuzzRunStats> {
  const started = Date.now();
  const byIntent: Record<Intent, Tally> = {
    legit: { cases: 0, passed: 0 },
    attack: { cases: 0, passed: 0 },
    neutral: { cases: 0, passed: 0 },
    "allowed-visible": { cases: 0, passed: 0 },
  };
  const thrown = new Map<string, number>();
  const crashes: string[] = [];
  const failures: FuzzFailure[] = [];
  const legitRejected = new Map<string, { count: number; seeds: number[]; why: string }>();
  const attacksUnseen = new Map<string, { count: number; seeds: number[]; why: string }>();
  const signaturesLost = new Map<string, { count: number; seeds: number[]; why: string }>();
  const paintedAfterNotes = new Map<string, { count: number; seeds: number[]; why: string }>();
  const remember = (
    map: Map<string, { count: number; seeds: number[]; why: string }>,
    key: string,
    seed: number,
    why: () => string,
  ): void => {
    const entry = map.get(key) ?? { count: 0, seeds: [], why: why() };
    entry.count++;
    if (entry.seeds.length < 3) {
      entry.seeds.push(seed);
    }
    map.set(key, entry);
  };
  let passed = 0;
  let done = 0;
  let next = 0;
  const one = async (seed: number): Promise<void> => {
    let fuzzCase: FuzzCase;
    try {
      fuzzCase = await makeFuzzCase(seed, options.context);
    } catch (error) {
      crashes.push(`${seed}: making the case: ${(error as Error)?.stack ?? error}`);
      return;
    }
    byIntent[fuzzCase.intent].cases++;
    let report: ValidationReport;
    try {
      report = await options.validate(fuzzCase.bytes);
    } catch (error) {
      if (isExchangeError(error)) {
        thrown.set(error.code, (thrown.get(error.code) ?? 0) + 1);
      } else {
        crashes.push(`${seed}: validatePdf: ${(error as Error)?.stack ?? error}`);
      }
      return;
    }
    if (report.verdict !== "TOTAL_PASSED") {
      if (fuzzCase.intent === "legit") {
        remember(legitRejected, caseClass(fuzzCase), seed, () => whyRejected(report));
      }
      return;
    }
    passed++;
    byIntent[fuzzCase.intent].passed++;
    const expected =
      (base(options.context, fuzzCase.base)?.signatures ?? 0) + fuzzCase.steps.filter(addsSignature).length;
    if (report.signatures.length < expected) {
      remember(
        signaturesLost,
        caseClass(fuzzCase),
        seed,
        () =>
          `${expected} expected, ${report.signatures.length} reported: ${fuzzCase.steps.map((st) => st.detail).join("; ")}`,
      );
    }
    try {
      const result = await checkRendering(fuzzCase.bytes, report, options.oracle);
      if (result.notes.length > 0) {
        remember(paintedAfterNotes, caseClass(fuzzCase), seed, () => result.notes.join("; "));
      }
      if (result.differences.length === 0 && fuzzCase.intent === "attack") {
        const attackSteps = fuzzCase.steps.filter((st) => st.intent === "attack");
        remember(attacksUnseen, attackSteps.map((st) => st.kind).join("+"), seed, () =>
          attackSteps.map((st) => st.detail).join("; "),
        );
      }
      if (result.differences.length > 0) {
        const failureClass = failureClassOf(fuzzCase, result.differences);
        const path = options.failureDir
          ? await saveFailure(options.failureDir, `seed-${seed}`, fuzzCase.bytes, result.differences)
          : undefined;
        failures.push({
          seed,
          base: fuzzCase.base,
          failureClass,
          steps: fuzzCase.steps,
          differences: result.differences,
          ...(path ? { path } : {}),
        });
      }
    } catch (error) {
      crashes.push(`${seed}: oracle: ${(error as Error)?.stack ?? error}`);
    }
  };
  const worker = async (): Promise<void> => {
    while (next < options.count) {
      const seed = options.first + next++;
      await one(seed);
      done++;
      options.onCase?.(done);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 3) }, worker));
  failures.sort((a, b) => a.seed - b.seed);
  return {
    first: options.first,
    cases: done,
    passed,
    byIntent,
    thrown,
    crashes,
    failures,
    legitRejected,
    attacksUnseen,
    signaturesLost,
    paintedAfterNotes,
    milliseconds: Date.now() - started,
  };
}

/** A readable summary of a run: counts, every failure class with seeds and what differed. */
export function formatFuzzSummary(stats: FuzzRunStats): string {
  const lines: string[] = [];
  const seconds = (stats.milliseconds / 1000).toFixed(1);
  lines.push(
    `${stats.cases} cases from seed ${stats.first} in ${seconds} s: ${stats.passed} TOTAL_PASSED (each checked by the rendering oracle), ${stats.failures.length} oracle failures, ${stats.crashes.length} crashes`,
  );
  lines.push(
    `by intent (cases/passed): ${Object.entries(stats.byIntent)
      .map(([intent, t]) => `${intent} ${t.cases}/${t.passed}`)
      .join(", ")}`,
  );
  if (stats.thrown.size > 0) {
    lines.push(`refused as a whole: ${[...stats.thrown].map(([code, n]) => `${code} ×${n}`).join(", ")}`);
  }
  const classes = new Map<string, FuzzFailure[]>();
  for (const failure of stats.failures) {
    classes.set(failure.failureClass, [...(classes.get(failure.failureClass) ?? []), failure]);
  }
  for (const [failureClass, list] of classes) {
    const first = list[0]!;
    lines.push(
      `FAILURE CLASS ${failureClass}: ${list.length} case(s), seeds ${list
        .slice(0, 8)
        .map((f) => f.seed)
        .join(", ")}`,
    );
    lines.push(
      `  e.g. seed ${first.seed} on ${first.base}: ${first.steps.map((s) => `${s.kind} (${s.detail})`).join(" → ")}`,
    );
    for (const difference of first.differences.slice(0, 4)) {
      lines.push(
        `    signature #${difference.signature}${difference.page ? ` page ${difference.page}` : ""} ${difference.mode}: ${difference.detail}`,
      );
    }
    if (first.path) {
      lines.push(`    file: ${first.path}`);
    }
  }
  for (const [key, entry] of stats.signaturesLost) {
    lines.push(
      `TOTAL_PASSED with a signature gone from the report: ${key} ×${entry.count} (seeds ${entry.seeds.join(", ")}): ${entry.why}`,
    );
  }
  for (const [key, entry] of stats.paintedAfterNotes) {
    lines.push(
      `report's paintedAfter disagrees with qpdf: ${key} ×${entry.count} (seeds ${entry.seeds.join(", ")}): ${entry.why}`,
    );
  }
  for (const [key, entry] of stats.attacksUnseen) {
    lines.push(
      `attack passed, oracle sees no change: ${key} ×${entry.count} (seeds ${entry.seeds.join(", ")}): ${entry.why}`,
    );
  }
  for (const [key, entry] of stats.legitRejected) {
    lines.push(
      `legitimate but not passed: ${key} ×${entry.count} (seeds ${entry.seeds.join(", ")}): ${entry.why}`,
    );
  }
  for (const crash of stats.crashes.slice(0, 5)) {
    lines.push(`CRASH ${crash.split("\n").slice(0, 4).join(" / ")}`);
  }
  return lines.join("\n");
}
