/**
 * The Merkle tree of the daily seal, as RFC 6962 §2.1 (RFC 9162 §2.1) defines it: leaf hash
 * SHA-256(0x00 ‖ data), node hash SHA-256(0x01 ‖ left ‖ right), the left subtree holding the
 * largest power of two of leaves below n, and the empty tree hashing to SHA-256(""). The tree is
 * built level by level (a lone last node moves up unchanged), which yields the same root as the
 * RFC's recursive definition and every inclusion proof in one pass.
 *
 * Hand-written: the hashing rules are a dozen lines, and the Certificate Transparency libraries
 * that implement them come with a log server attached.
 */
import { createHash } from "node:crypto";

function sha256(...parts: Uint8Array[]): Uint8Array {
  const hash = createHash("sha256");
  for (const part of parts) {
    hash.update(part);
  }
  return new Uint8Array(hash.digest());
}

const LEAF = new Uint8Array([0x00]);
const NODE = new Uint8Array([0x01]);

/** SHA-256(0x00 ‖ data). */
export function leafHash(data: Uint8Array): Uint8Array {
  return sha256(LEAF, data);
}

/** SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(NODE, left, right);
}

/**
 * A Merkle tree over leaf data, with its root and inclusion proofs.
 *
 * @example
 * const tree = new MerkleTree(heads.map((head) => Buffer.from(head.hash, "hex")));
 * const proof = tree.proof(3); // audit path of leaf 3, nearest sibling first
 * verifyInclusion(leafData, 3, tree.size, proof, tree.root); // true
 */
export class MerkleTree {
  /** levels[0] are the leaf hashes, the last level is [root]. */
  private readonly levels: Uint8Array[][];

  constructor(leaves: readonly Uint8Array[]) {
    const levels: Uint8Array[][] = [leaves.map(leafHash)];
    for (let level = levels[0]!; level.length > 1; ) {
      const next: Uint8Array[] = [];
      for (let i = 0; i < level.length; i += 2) {
        const right = level[i + 1];
        next.push(right ? nodeHash(level[i]!, right) : level[i]!);
      }
      levels.push(next);
      level = next;
    }
    this.levels = levels;
  }

  /** Number of leaves. */
  get size(): number {
    return this.levels[0]!.length;
  }

  /** The tree head (RFC 6962 MTH); SHA-256 of nothing for an empty tree. */
  get root(): Uint8Array {
    return this.size === 0 ? sha256() : this.levels[this.levels.length - 1]![0]!;
  }

  /** The audit path of leaf `index` (RFC 6962 §2.1.1 PATH), nearest sibling first. */
  proof(index: number): Uint8Array[] {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.size) {
      throw new RangeError(`leaf ${index} is not in a tree of ${this.size}`);
    }
    const path: Uint8Array[] = [];
    let position = index;
    for (const level of this.levels.slice(0, -1)) {
      const sibling = level[position ^ 1];
      if (sibling) {
        path.push(sibling);
      }
      position = Math.floor(position / 2);
    }
    return path;
  }
}

/**
 * Checks an inclusion proof (RFC 9162 §2.1.3.2): that `leafData` is leaf `index` of a tree of
 * `size` leaves with head `root`.
 *
 * @example
 * if (!verifyInclusion(headBytes, proof.index, seal.count, path, root)) throw …;
 */
export function verifyInclusion(
  leafData: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
    return false;
  }
  let fn = index;
  let sn = size - 1;
  let hash = leafHash(leafData);
  for (const sibling of proof) {
    if (sn === 0) {
      return false;
    }
    if (fn % 2 === 1 || fn === sn) {
      hash = nodeHash(sibling, hash);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      hash = nodeHash(hash, sibling);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && Buffer.from(hash).equals(root);
}
