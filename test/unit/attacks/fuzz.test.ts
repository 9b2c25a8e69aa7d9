/**
 * Fuzzing `validatePdf` with fast-check: at least 5,000 mutated signed letters (byte flips at random
 * offsets and at structural hot spots, truncations, inserted bytes and PDF tokens, deletions,
 * duplicated revisions and duplicated cross-reference sections, and mixes of these).
 *
 * Properties, for every mutated file:
 * - nothing but an ExchangeError escapes `validatePdf` (a report is better still: counted);
 * - no hang (bounded by the test timeout; no per-call budget is asserted);
 * - when a byte inside a signed byte range of the original is changed or missing (read at the
 *   original's offsets: an insertion or deletion before the end of a range shifts the bytes), the
 *   verdict is never TOTAL_PASSED
 *   — except when the result is exactly an earlier revision of the original (a truncation at a
 *   revision's end: a counter-signed letter cut back to the person's signed letter is that letter).
 *
 * The base letters are small (a one-page hand-laid PDF, ~10 KB signed) so that 5,000 runs take
 * about half a minute on two busy cores. The seed is random on every run; fast-check prints the
 * seed and the shrunk counterexample of a failure so it can be replayed with `{ seed, path }`.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { isExchangeError } from "../../../shared/errors/index.ts";
import { readPdf } from "../../../shared/pdf/read-pdf.ts";
import type { ValidationOptions } from "../../../shared/verification/options.ts";
import { validatePdf } from "../../../shared/verification/validate-pdf.ts";
import { corpusSigners, signAll } from "../../support/attacks.ts";
import { MINIMAL_BODIES, rawPdf, toXrefStreamPdf } from "../../support/pdf.ts";
import { testPki } from "../../support/pki.ts";

/** Number of mutated files; at least 5,000 (issue 4, "Must show"). */
const RUNS = 10_000;

interface Base {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** Every signature's /Contents gap, [start, end). */
  readonly gaps: readonly (readonly [number, number])[];
  /** Union of every signature's two signed ranges, as [start, end) pairs. */
  readonly signed: readonly (readonly [number, number])[];
  /** The end of the furthest signed range. */
  readonly signedEnd: number;
  /** Revision boundaries: [start, end) of each revision's own bytes, and its xref section's start. */
  readonly revisions: readonly { readonly start: number; readonly end: number; readonly startxref: number }[];
  /** Offsets of structural tokens, where mutations matter most. */
  readonly hotspots: readonly number[];
}

const HOT_TOKENS = [
  "%PDF-",
  " obj",
  "endobj",
  "stream",
  "endstream",
  "xref",
  "trailer",
  "startxref",
  "%%EOF",
  "/Prev",
  "/Size",
  "/Root",
  "/AcroForm",
  "/Fields",
  "/Annots",
  "/FT",
  "/V ",
  "/ByteRange",
  "/Contents",
  "/SubFilter",
  "/Type",
  "<<",
  ">>",
  " R",
];

function describeBase(name: string, bytes: Uint8Array): Base {
  const file = readPdf(bytes);
  const signed: [number, number][] = [];
  const gaps: [number, number][] = [];
  let signedEnd = 0;
  const hotspots = new Set<number>();
  for (const signature of file.signatures()) {
    const [a, b, c, d] = signature.byteRange as [number, number, number, number];
    signed.push([a, a + b], [c, c + d]);
    gaps.push([a + b, c]);
    signedEnd = Math.max(signedEnd, c + d);
    for (const at of [b - 1, b, b + 1, c - 1, c, c + 1, c + d - 1]) {
      hotspots.add(at);
    }
  }
  const text = Buffer.from(bytes).toString("latin1");
  for (const token of HOT_TOKENS) {
    for (let at = text.indexOf(token); at >= 0; at = text.indexOf(token, at + 1)) {
      hotspots.add(at);
    }
  }
  const revisions = file.revisions.map((revision, i) => ({
    start: i === 0 ? 0 : file.revisions[i - 1]!.endOffset,
    end: revision.endOffset,
    startxref: revision.startxref,
  }));
  return {
    name,
    bytes,
    gaps,
    signed,
    signedEnd,
    revisions,
    hotspots: [...hotspots].filter((at) => at >= 0 && at < bytes.length).sort((x, y) => x - y),
  };
}

/**
 * Where a mutation happens: uniformly in the file, near a structural token, inside a signature's
 * unsigned /Contents gap, or at the very end of the file (appending).
 */
type Position =
  | { readonly u: number }
  | { readonly hotspot: number; readonly delta: number }
  | { readonly gap: number; readonly u: number }
  | { readonly end: true };

type Mutation =
  | { readonly kind: "flip"; readonly at: Position; readonly mask: number }
  | { readonly kind: "truncate"; readonly at: Position }
  | { readonly kind: "insert"; readonly at: Position; readonly bytes: Uint8Array }
  | { readonly kind: "delete"; readonly at: Position; readonly length: number }
  | { readonly kind: "duplicate-revision"; readonly revision: number }
  | { readonly kind: "duplicate-xref"; readonly revision: number };

/** One concrete edit of the original: [start, end) replaced by `insert`. */
interface Edit {
  readonly start: number;
  readonly end: number;
  readonly insert: Uint8Array;
}

const TOKENS = [
  "<<",
  ">>",
  "[",
  "]",
  " 0 R",
  "endobj\n",
  "%%EOF\n",
  "xref\n0 1\n0000000000 65535 f \n",
  "trailer\n<< /Size 9 /Root 1 0 R >>\n",
  "startxref\n0\n",
  "stream\n",
  "999999999999",
  "-1",
  "/ByteRange [0 1 2 3]",
  "(",
  ")",
  "\\",
  "<",
  "\n",
  "\r",
  " ",
  "%",
].map((token) => new Uint8Array(Buffer.from(token, "latin1")));

const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const position: fc.Arbitrary<Position> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ u: unit }) },
  { weight: 4, arbitrary: fc.record({ hotspot: fc.nat(), delta: fc.integer({ min: -6, max: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ gap: fc.nat(), u: unit }) },
  { weight: 1, arbitrary: fc.constant({ end: true as const }) },
);

const insertedBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 16 }),
  fc.constantFrom(...TOKENS),
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("flip" as const),
      at: position,
      mask: fc.integer({ min: 1, max: 255 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("truncate" as const), at: position }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("insert" as const), at: position, bytes: insertedBytes }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("delete" as const),
      at: position,
      length: fc.integer({ min: 1, max: 64 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("duplicate-revision" as const), revision: fc.nat() }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("duplicate-xref" as const), revision: fc.nat() }) },
);

/** Single mutations most of the time, mixes of up to four otherwise. */
const mutations: fc.Arbitrary<readonly Mutation[]> = fc.oneof(
  { weight: 3, arbitrary: mutation.map((m) => [m]) },
  { weight: 1, arbitrary: fc.array(mutation, { minLength: 2, maxLength: 4 }) },
);

function offsetOf(base: Base, at: Position): number {
  const length = base.bytes.length;
  if ("end" in at) {
    return length;
  }
  if ("gap" in at) {
    const [from, to] = base.gaps[at.gap % base.gaps.length]!;
    return from + Math.floor(at.u * (to - from));
  }
  if ("u" in at) {
    return Math.min(length - 1, Math.floor(at.u * length));
  }
  const spot = base.hotspots[at.hotspot % base.hotspots.length] ?? 0;
  return Math.max(0, Math.min(length - 1, spot + at.delta));
}

function toEdit(base: Base, m: Mutation): Edit {
  const bytes = base.bytes;
  switch (m.kind) {
    case "flip": {
      const at = Math.min(offsetOf(base, m.at), bytes.length - 1);
      return { start: at, end: at + 1, insert: Uint8Array.of(bytes[at]! ^ m.mask) };
    }
    case "truncate":
      return {
        start: Math.min(offsetOf(base, m.at), bytes.length - 1),
        end: bytes.length,
        insert: new Uint8Array(0),
      };
    case "insert": {
      const at = offsetOf(base, m.at);
      return { start: at, end: at, insert: m.bytes };
    }
    case "delete": {
      const at = Math.min(offsetOf(base, m.at), bytes.length - 1);
      return { start: at, end: Math.min(bytes.length, at + m.length), insert: new Uint8Array(0) };
    }
    case "duplicate-revision": {
      const revision = base.revisions[m.revision % base.revisions.length]!;
      return { start: revision.end, end: revision.end, insert: bytes.subarray(revision.start, revision.end) };
    }
    case "duplicate-xref": {
      const revision = base.revisions[m.revision % base.revisions.length]!;
      return {
        start: revision.end,
        end: revision.end,
        insert: bytes.subarray(revision.startxref, revision.end),
      };
    }
  }
}

/**
 * True when a byte of a signed range of the original, read at the offsets the original's
 * /ByteRange values give, is different or missing in `mutated` (the bytes a signature would hash).
 */
function signedBytesChanged(base: Base, mutated: Uint8Array): boolean {
  if (mutated.length < base.signedEnd) {
    return true;
  }
  return base.signed.some(
    ([from, to]) => Buffer.compare(mutated.subarray(from, to), base.bytes.subarray(from, to)) !== 0,
  );
}

/** Applies the edits from the end of the file backwards (so offsets stay those of the original), skipping overlaps. */
function mutate(
  base: Base,
  list: readonly Mutation[],
): { bytes: Uint8Array; touched: boolean; edits: number } {
  const edits = list.map((m) => toEdit(base, m)).sort((x, y) => y.start - x.start || y.end - x.end);
  let bytes = Buffer.from(base.bytes);
  let limit = base.bytes.length;
  let applied = 0;
  for (const edit of edits) {
    if (edit.end > limit) {
      continue;
    }
    bytes = Buffer.concat([bytes.subarray(0, edit.start), edit.insert, bytes.subarray(edit.end)]);
    limit = edit.start;
    applied++;
  }
  // Cut back to exactly the end of a revision, the file *is* that earlier revision, whose
  // signatures are all intact (e.g. the person's signature without the seal): no constraint.
  const earlierRevision = base.revisions.some(
    (revision) =>
      revision.end === bytes.length && Buffer.compare(bytes, base.bytes.subarray(0, revision.end)) === 0,
  );
  return {
    bytes: new Uint8Array(bytes),
    touched: !earlierRevision && signedBytesChanged(base, bytes),
    edits: applied,
  };
}

let bases: Base[];
let options: ValidationOptions;

beforeAll(async () => {
  const pki = await testPki();
  const signers = await corpusSigners(pki);
  const minimal = rawPdf(MINIMAL_BODIES);
  const signed = await signAll(minimal, [signers.person]);
  const counterSigned = await signAll(signed, [signers.organisation]);
  const xrefStream = await signAll(await toXrefStreamPdf(minimal), [signers.person, signers.organisation]);
  bases = [
    describeBase("signed", signed),
    describeBase("counter-signed", counterSigned),
    describeBase("xref-stream-counter-signed", xrefStream),
  ];
  options = { trustAnchors: [pki.root.certificate], crls: [pki.rootCrl, pki.intermediateCrl], offline: true };
});

describe("fuzzing validatePdf", () => {
  it("the unmutated bases pass, so that a failure below is the mutation's doing", async () => {
    for (const base of bases) {
      const report = await validatePdf(base.bytes, options);
      expect(report.verdict, base.name).toBe("TOTAL_PASSED");
      expect(base.signed.length).toBeGreaterThanOrEqual(2);
    }
  });

  it(`${RUNS} mutated signed letters: only ExchangeErrors escape, never TOTAL_PASSED after a signed byte changed`, async () => {
    const codes = new Map<string, number>();
    const stats = { runs: 0, touched: 0, reports: 0, thrown: 0, passedUntouched: 0 };
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: bases.length - 1 }), mutations, async (which, list) => {
        const base = bases[which]!;
        const { bytes, touched } = mutate(base, list);
        stats.runs++;
        if (touched) {
          stats.touched++;
        }
        let verdict: string;
        try {
          const report = await validatePdf(bytes, options);
          stats.reports++;
          verdict = report.verdict;
          expect(["TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE"]).toContain(verdict);
        } catch (error) {
          if (!isExchangeError(error)) {
            throw error; // a TypeError, RangeError, forge error … escaping is a bug
          }
          stats.thrown++;
          codes.set(error.code, (codes.get(error.code) ?? 0) + 1);
          return;
        }
        if (touched) {
          expect(verdict, `${base.name}: ${JSON.stringify(list)}`).not.toBe("TOTAL_PASSED");
        } else if (verdict === "TOTAL_PASSED") {
          stats.passedUntouched++;
        }
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    // Assess that the run exercised the property, not only its easy half.
    expect(stats.runs).toBeGreaterThanOrEqual(RUNS);
    expect(stats.touched).toBeGreaterThan(RUNS / 4);
    expect(stats.reports).toBeGreaterThan(RUNS / 4);
    // With fixed, good options, a whole-file refusal can only be about the file itself.
    expect([...codes.keys()].filter((code) => code !== "PDF_MALFORMED" && code !== "PDF_ENCRYPTED")).toEqual(
      [],
    );
  }, 110_000);
});
