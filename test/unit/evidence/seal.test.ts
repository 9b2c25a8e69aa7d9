import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalBytes } from "../../../shared/evidence/canonical-json.ts";
import {
  ADMIN_CHAIN,
  appendEvent,
  type ChainEvent,
  type ChainHead,
  eventHash,
  headOf,
  letterChain,
} from "../../../shared/evidence/chain.ts";
import { verifyInclusion } from "../../../shared/evidence/merkle.ts";
import {
  buildSeal,
  evidenceError,
  type InclusionProof,
  parseSeal,
  type SignedSeal,
  sealProof,
  signSeal,
  verifyLetterAgainstSeal,
} from "../../../shared/evidence/seal.ts";
import { signEvidence } from "../../../shared/evidence/sign-evidence.ts";
import { SoftwareSigner } from "../../../shared/signing/software-signer.ts";
import { validateDetached } from "../../../shared/verification/validate-detached.ts";
import { opensslVerifyDetached } from "../../support/openssl.ts";
import { type TestPki, testPki } from "../../support/pki.ts";
import { type TempDir, tempDir } from "../../support/temp-dir.ts";
import { startTestTsa, type TestTsa } from "../../support/tsa.ts";
import { offlineOptions } from "../verification/helpers.ts";

const DAY = "2026-12-01";
const START = Date.parse("2026-12-01T01:00:00Z");

let pki: TestPki;
let signer: SoftwareSigner;
let tsa: TestTsa;
let temp: TempDir;
/** Chains by id, as they stood when sealed. */
const chains = new Map<string, ChainEvent[]>();
let proofs: ReadonlyMap<string, InclusionProof>;
let seal: SignedSeal;

function grow(chain: string, count: number, from: ChainEvent[] = []): ChainEvent[] {
  const events = [...from];
  for (let n = 0; n < count; n++) {
    const previous = events[events.length - 1];
    events.push(
      appendEvent(previous && headOf(previous), {
        chain,
        at: new Date(START + events.length * 60_000).toISOString(),
        type: chain === ADMIN_CHAIN ? "organ.updated" : "delivery.status",
        actor: "000.00.11.H53",
        data: { n: events.length, status: "0" + ((events.length % 6) + 1) },
      }),
    );
  }
  return events;
}

const LETTER = letterChain("01JD6Z8Q4K7M2N3P5R6S7T8V9W");

beforeAll(async () => {
  pki = await testPki();
  signer = SoftwareSigner.fromPkcs12(pki.organisation.p12, pki.organisation.p12Password);
  tsa = await startTestTsa();
  temp = await tempDir("lienthong-seal-");
  chains.set(LETTER, grow(LETTER, 6));
  for (const [index, id] of ["A", "B", "C", "D"].entries()) {
    chains.set(letterChain(id), grow(letterChain(id), index + 1));
  }
  chains.set(ADMIN_CHAIN, grow(ADMIN_CHAIN, 3));
  const heads = [...chains.values()].map((events) => headOf(events[events.length - 1]!));
  const built = buildSeal(DAY, heads);
  proofs = built.proofs;
  seal = await signSeal(built.document, { signer, tsa: tsa.client });
});

afterAll(async () => {
  await tsa?.close();
  await temp?.cleanup();
});

const options = (): { trustedSigners: [typeof pki.organisation.certificate] } => ({
  trustedSigners: [pki.organisation.certificate],
});

describe("the daily seal: chain heads under a signed, timestamped Merkle root", () => {
  it("lists the heads sorted by chain id, with the root over their hashes", () => {
    const document = parseSeal(seal.json);
    expect(document.day).toBe(DAY);
    expect(document.count).toBe(chains.size);
    expect(document.heads.map((head) => head.chain)).toEqual([...chains.keys()].sort());
    for (const proof of proofs.values()) {
      const leaf = Buffer.from(proof.hash, "hex");
      const path = proof.path.map((hash) => Buffer.from(hash, "hex"));
      expect(verifyInclusion(leaf, proof.index, proof.size, path, Buffer.from(document.root, "hex"))).toBe(
        true,
      );
      // Nothing to store per chain: the proof recomputes from the seal document.
      expect(sealProof(document, proof.chain)).toEqual(proof);
    }
    expect(sealProof(document, letterChain("not-sealed"))).toBeUndefined();
  });

  it("verifies every untouched chain against the seal, also once it has grown since", () => {
    for (const [id, events] of chains) {
      const result = verifyLetterAgainstSeal(events, seal, proofs.get(id)!, options());
      expect(result).toMatchObject({ ok: true, day: DAY, sealedHead: headOf(events[events.length - 1]!) });
      expect(result.ok && result.sealedAt.getTime()).toBeGreaterThan(START);
    }
    const letter = chains.get(LETTER)!;
    const grown = grow(LETTER, 2, letter);
    const result = verifyLetterAgainstSeal(grown, seal, proofs.get(LETTER)!, options());
    expect(result).toMatchObject({ ok: true, head: headOf(grown[grown.length - 1]!) });
  });

  it("names an edited, removed, reordered or inserted event", () => {
    const events = chains.get(LETTER)!;
    const proof = proofs.get(LETTER)!;
    const check = (tampered: ChainEvent[]) => {
      const result = verifyLetterAgainstSeal(tampered, seal, proof, options());
      return result.ok ? undefined : result.problem;
    };
    const edited = events.map((event, i) => (i === 2 ? { ...event, actor: "000.00.99.H53" } : event));
    expect(check(edited)).toMatchObject({ kind: "CHANGED", index: 2 });
    expect(check(events.filter((_, i) => i !== 3))).toMatchObject({ kind: "REMOVED", index: 3 });
    expect(check(events.slice(0, -1))).toMatchObject({ kind: "REMOVED", index: events.length - 1 });
    const swapped = [...events];
    [swapped[1], swapped[2]] = [swapped[2]!, swapped[1]!];
    expect(check(swapped)).toMatchObject({ kind: "REORDERED", index: 1 });
    expect(check([...events.slice(0, 4), events[1]!, ...events.slice(4)])).toMatchObject({
      kind: "INSERTED",
    });
  });

  it("catches a chain rewritten from an event on with every later hash recomputed", () => {
    const events = chains.get(LETTER)!;
    // The attacker changes event 2 and recomputes 2…5: the chain alone is consistent again.
    const rewritten: ChainEvent[] = events.slice(0, 2);
    for (const event of events.slice(2)) {
      const previous = rewritten[rewritten.length - 1]!;
      const body = { ...event, prev: previous.hash, data: { ...event.data, n: 99 } };
      rewritten.push({ ...body, hash: eventHash(body) });
    }
    const result = verifyLetterAgainstSeal(rewritten, seal, proofs.get(LETTER)!, options());
    expect(!result.ok && result.problem).toMatchObject({ kind: "CHANGED", index: events.length - 1 });
  });

  it("refuses a proof that is not the seal's: another chain's, an altered path, another size or head", () => {
    const events = chains.get(LETTER)!;
    const proof = proofs.get(LETTER)!;
    const other = proofs.get(letterChain("B"))!;
    const flip = (hex: string): string => (hex[0] === "0" ? "1" : "0") + hex.slice(1);
    const bad: InclusionProof[] = [
      other,
      { ...proof, path: proof.path.map((hash, i) => (i === 0 ? flip(hash) : hash)) },
      { ...proof, size: proof.size + 1 },
      { ...proof, index: other.index },
      { ...proof, hash: flip(proof.hash) },
      { ...proof, path: [] },
    ];
    for (const candidate of bad) {
      const result = verifyLetterAgainstSeal(events, seal, candidate, options());
      expect(!result.ok && result.problem.kind).toBe("NOT_SEALED");
    }
  });

  it("refuses a seal that is edited, unsigned by the exchange, or not timestamped", async () => {
    const events = chains.get(LETTER)!;
    const proof = proofs.get(LETTER)!;
    const document = parseSeal(seal.json);
    const forgedHeads: ChainHead[] = document.heads.map((head) =>
      head.chain === LETTER ? { ...head, hash: "f".repeat(64) } : head,
    );
    const forged = buildSeal(DAY, forgedHeads).document;
    const cases: [string, SignedSeal, object][] = [
      ["edited document", { json: canonicalBytes({ ...forged }), p7s: seal.p7s }, options()],
      ["other signer", seal, { trustedSigners: [pki.person.certificate] }],
      ["no timestamp", { json: seal.json, p7s: await signEvidence(seal.json, { signer }) }, options()],
      ["untrusted TSA", seal, { ...options(), trustedTsas: [pki.person.certificate] }],
      ["not CMS", { json: seal.json, p7s: Uint8Array.of(1, 2, 3) }, options()],
    ];
    for (const [what, candidate, opts] of cases) {
      const result = verifyLetterAgainstSeal(events, candidate, proof, opts as ReturnType<typeof options>);
      expect(!result.ok && result.problem.kind, what).toBe("SEAL_INVALID");
    }
    const refused = verifyLetterAgainstSeal(events, seal, proof, {
      trustedSigners: [pki.person.certificate],
    });
    expect(!refused.ok && evidenceError(refused.problem)).toMatchObject({ code: "SEAL_INVALID" });
    const broken = verifyLetterAgainstSeal(events.slice(0, 2), seal, proof, options());
    expect(!broken.ok && evidenceError(broken.problem)).toMatchObject({
      code: "AUDIT_CHAIN_BROKEN",
      meta: { problem: { kind: "REMOVED" } },
    });
    const trusted = verifyLetterAgainstSeal(events, seal, proof, {
      ...options(),
      trustedTsas: [pki.tsa.certificate],
    });
    expect(trusted.ok).toBe(true);
  });

  it("is a detached CAdES-T that openssl and the project's verifier accept", async () => {
    const json = await temp.file("seal.json", seal.json);
    const p7s = await temp.file("seal.p7s", seal.p7s);
    const root = await temp.file("root.pem", pki.root.certPem);
    expect((await opensslVerifyDetached(p7s, json, root)).code).toBe(0);
    const report = await validateDetached(seal.json, seal.p7s, offlineOptions(pki));
    expect(report.verdict).toBe("TOTAL_PASSED");
    expect(report.signatures[0]?.provenSigningTime).toBeDefined();
  });

  it("proves every head of any set of chains, and refuses duplicates or a root that does not recompute", () => {
    const headArb = fc.record({
      chain: fc.string({ minLength: 1, maxLength: 8 }).map((id) => letterChain(id)),
      seq: fc.nat({ max: 1000 }),
      hash: fc
        .uint8Array({ minLength: 32, maxLength: 32 })
        .map((bytes) => Buffer.from(bytes).toString("hex")),
    });
    fc.assert(
      fc.property(fc.uniqueArray(headArb, { selector: (head) => head.chain, maxLength: 40 }), (heads) => {
        const { document, proofs: all } = buildSeal(DAY, heads);
        expect(parseSeal(canonicalBytes({ ...document }))).toEqual(document);
        const root = Buffer.from(document.root, "hex");
        for (const head of heads) {
          const proof = all.get(head.chain)!;
          const path = proof.path.map((hash) => Buffer.from(hash, "hex"));
          expect(document.heads[proof.index]).toEqual(head);
          expect(
            verifyInclusion(Buffer.from(head.hash, "hex"), proof.index, document.count, path, root),
          ).toBe(true);
          const altered = Buffer.from(head.hash, "hex");
          altered[0] = altered[0]! ^ 0x80;
          expect(verifyInclusion(altered, proof.index, document.count, path, root)).toBe(false);
        }
      }),
    );
    const head = { chain: LETTER, seq: 0, hash: "a".repeat(64) };
    expect(() => buildSeal(DAY, [head, { ...head, seq: 1 }])).toThrow(
      expect.objectContaining({ code: "VALIDATION_FAILED" }),
    );
    const wrongRoot = canonicalBytes({ day: DAY, root: "b".repeat(64), count: 1, heads: [head] });
    expect(() => parseSeal(wrongRoot)).toThrow(expect.objectContaining({ code: "EVIDENCE_MALFORMED" }));
  });
});
