import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MerkleTree, verifyInclusion } from "../../../shared/evidence/merkle.ts";

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
const sha256 = (...parts: Uint8Array[]): Uint8Array => {
  const hash = createHash("sha256");
  for (const part of parts) {
    hash.update(part);
  }
  return new Uint8Array(hash.digest());
};

/** RFC 6962 §2.1 MTH, written from the RFC's recursive definition as the oracle. */
function referenceRoot(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) {
    return sha256();
  }
  if (leaves.length === 1) {
    return sha256(Uint8Array.of(0), leaves[0]!);
  }
  const k = splitPoint(leaves.length);
  return sha256(Uint8Array.of(1), referenceRoot(leaves.slice(0, k)), referenceRoot(leaves.slice(k)));
}

/** RFC 6962 §2.1.1 PATH(m, D[n]). */
function referencePath(m: number, leaves: readonly Uint8Array[]): Uint8Array[] {
  if (leaves.length <= 1) {
    return [];
  }
  const k = splitPoint(leaves.length);
  return m < k
    ? [...referencePath(m, leaves.slice(0, k)), referenceRoot(leaves.slice(k))]
    : [...referencePath(m - k, leaves.slice(k)), referenceRoot(leaves.slice(0, k))];
}

/** The largest power of two smaller than n. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) {
    k *= 2;
  }
  return k;
}

const leavesArb = fc.array(fc.uint8Array({ minLength: 0, maxLength: 40 }), { minLength: 1, maxLength: 70 });

describe("the seal's Merkle tree (RFC 6962)", () => {
  it("has the RFC's empty and one-leaf heads", () => {
    expect(hex(new MerkleTree([]).root)).toBe(
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    // SHA-256(0x00): the leaf hash of empty data, the Certificate Transparency test vector.
    expect(hex(new MerkleTree([new Uint8Array()]).root)).toBe(
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    );
  });

  it("has the root and audit paths of the RFC's recursive definition for every size", () => {
    fc.assert(
      fc.property(leavesArb, (leaves) => {
        const tree = new MerkleTree(leaves);
        expect(hex(tree.root)).toBe(hex(referenceRoot(leaves)));
        for (let index = 0; index < leaves.length; index++) {
          expect(tree.proof(index).map(hex)).toEqual(referencePath(index, leaves).map(hex));
        }
      }),
    );
  });

  it("verifies every leaf's inclusion proof", () => {
    fc.assert(
      fc.property(leavesArb, (leaves) => {
        const tree = new MerkleTree(leaves);
        leaves.forEach((leaf, index) => {
          expect(verifyInclusion(leaf, index, tree.size, tree.proof(index), tree.root)).toBe(true);
        });
      }),
    );
  });

  it("rejects an altered leaf, another index, an index past the size, a cut or padded path, another root", () => {
    fc.assert(
      fc.property(leavesArb, fc.nat(), fc.nat(), (leaves, pick, bit) => {
        const tree = new MerkleTree(leaves);
        const index = pick % leaves.length;
        const leaf = leaves[index]!;
        const proof = tree.proof(index);
        const altered =
          leaf.length === 0
            ? Uint8Array.of(bit % 256)
            : leaf.map((byte, i) => (i === bit % leaf.length ? byte ^ (1 << (bit % 8)) : byte));
        expect(verifyInclusion(altered, index, tree.size, proof, tree.root)).toBe(false);
        const other = (index + 1) % leaves.length;
        if (hex(leaves[other]!) !== hex(leaf)) {
          expect(verifyInclusion(leaf, other, tree.size, proof, tree.root)).toBe(false);
        }
        // (A larger size can reuse the same path shape: the seal signs its count, and the proof must match it.)
        expect(verifyInclusion(leaf, tree.size, tree.size, proof, tree.root)).toBe(false);
        if (proof.length > 0) {
          expect(verifyInclusion(leaf, index, tree.size, proof.slice(0, -1), tree.root)).toBe(false);
          const flipped = proof.map((node, i) =>
            i === 0 ? node.map((byte, j) => (j === 0 ? byte ^ 1 : byte)) : node,
          );
          expect(verifyInclusion(leaf, index, tree.size, flipped, tree.root)).toBe(false);
        }
        expect(verifyInclusion(leaf, index, tree.size, [...proof, tree.root], tree.root)).toBe(false);
        expect(verifyInclusion(leaf, index, tree.size, proof, sha256(tree.root))).toBe(false);
      }),
    );
  });

  it("refuses to prove a leaf that is not in the tree", () => {
    expect(() => new MerkleTree([Uint8Array.of(1)]).proof(1)).toThrow(RangeError);
  });
});
