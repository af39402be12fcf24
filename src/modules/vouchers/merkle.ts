/**
 * RFC 9162 (Certificate Transparency v2, same hashing as RFC 6962) Merkle tree over SHA-256,
 * the structure of the voucher transparency log. Pure: no storage, no I/O.
 *
 * - Sizes and indices are JS numbers (safe integers). Bit operators are avoided on purpose
 *   because they truncate to 32 bits; a log outgrowing 2^53 leaves is not a concern here.
 * - Proof generation takes all leaf hashes and costs O(n) per proof: it is the reference the log
 *   and the tests compare against. For a large log, `CompactRange` keeps the root current while
 *   appending without reloading any leaf.
 * - Verification never throws: anything malformed (wrong sizes, wrong hash lengths, extra or
 *   missing proof hashes) is simply `false`, so callers cannot forget a try/catch.
 */
import { createHash } from 'node:crypto';

export const HASH_SIZE = 32;

function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

const LEAF_PREFIX = Uint8Array.of(0x00);
const NODE_PREFIX = Uint8Array.of(0x01);

/** MTH({}) = SHA-256 of the empty string (RFC 9162 §2.1.1). */
export function emptyRoot(): Uint8Array {
  return sha256();
}

/** MTH({d}) = SHA-256(0x00 || d): the prefix keeps a leaf from posing as an inner node. */
export function leafHash(data: Uint8Array): Uint8Array {
  return sha256(LEAF_PREFIX, data);
}

/** SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(NODE_PREFIX, left, right);
}

function isSize(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

function isHash(h: unknown): h is Uint8Array {
  return h instanceof Uint8Array && h.length === HASH_SIZE;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const half = (n: number): number => Math.floor(n / 2);
const isOdd = (n: number): boolean => n % 2 === 1;

/** The largest power of two strictly less than n (n >= 2): the split point k of RFC 9162. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

function requireHashes(hashes: readonly Uint8Array[]): void {
  if (!hashes.every(isHash)) throw new TypeError(`every leaf hash must be ${HASH_SIZE} bytes`);
}

/** MTH(D[lo:hi]) by the recursive definition, deliberately independent of CompactRange. */
function mth(hashes: readonly Uint8Array[], lo: number, hi: number): Uint8Array {
  const n = hi - lo;
  if (n === 0) return emptyRoot();
  if (n === 1) return hashes[lo]!;
  const k = splitPoint(n);
  return nodeHash(mth(hashes, lo, lo + k), mth(hashes, lo + k, hi));
}

/** Root of the tree whose leaves have these hashes (RFC 9162 §2.1.1). */
export function rootFromLeafHashes(hashes: readonly Uint8Array[]): Uint8Array {
  requireHashes(hashes);
  return mth(hashes, 0, hashes.length);
}

/** PATH(m, D[n]) of RFC 9162 §2.1.3.1, ordered from the leaf's sibling up to the root's child. */
export function inclusionProof(leafIndex: number, leafHashes: readonly Uint8Array[]): Uint8Array[] {
  requireHashes(leafHashes);
  if (!isSize(leafIndex) || leafIndex >= leafHashes.length) {
    throw new RangeError(`leaf index ${leafIndex} is outside a tree of ${leafHashes.length}`);
  }
  const path = (m: number, lo: number, hi: number): Uint8Array[] => {
    const n = hi - lo;
    if (n === 1) return [];
    const k = splitPoint(n);
    return m < k
      ? [...path(m, lo, lo + k), mth(leafHashes, lo + k, hi)]
      : [...path(m - k, lo + k, hi), mth(leafHashes, lo, lo + k)];
  };
  return path(leafIndex, 0, leafHashes.length);
}

/**
 * PROOF(m, D[n]) of RFC 9162 §2.1.4.1 from the tree of `oldSize` leaves to the tree of all
 * `leafHashes`. Empty when the sizes are equal; a proof from the empty tree is undefined.
 */
export function consistencyProof(oldSize: number, leafHashes: readonly Uint8Array[]): Uint8Array[] {
  requireHashes(leafHashes);
  if (!isSize(oldSize) || oldSize < 1 || oldSize > leafHashes.length) {
    throw new RangeError(`old size ${oldSize} must be in 1..${leafHashes.length}`);
  }
  const subproof = (m: number, lo: number, hi: number, complete: boolean): Uint8Array[] => {
    const n = hi - lo;
    // m == n: the old tree is this whole subtree. Its root is only sent when the verifier
    // cannot already know it, i.e. when it is not the original old tree (complete == false).
    if (m === n) return complete ? [] : [mth(leafHashes, lo, hi)];
    const k = splitPoint(n);
    return m <= k
      ? [...subproof(m, lo, lo + k, complete), mth(leafHashes, lo + k, hi)]
      : [...subproof(m - k, lo + k, hi, false), mth(leafHashes, lo, lo + k)];
  };
  return subproof(oldSize, 0, leafHashes.length, true);
}

/** RFC 9162 §2.1.3.2: does `proof` place `leafHash` at `leafIndex` in the tree with `root`? */
export function verifyInclusion(
  leafIndex: number,
  treeSize: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!isSize(leafIndex) || !isSize(treeSize) || leafIndex >= treeSize) return false;
  if (!isHash(leafHash) || !isHash(root) || !Array.isArray(proof) || !proof.every(isHash)) return false;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return false; // more hashes than the path has levels
    if (isOdd(fn) || fn === sn) {
      r = nodeHash(p, r);
      // On the right border, levels where this node has no right sibling add no hash.
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && bytesEqual(r, root);
}

/**
 * RFC 9162 §2.1.4.2: is the tree (size2, root2) an append-only extension of (size1, root1)?
 *
 * The RFC algorithm covers 0 < size1 < size2; the edges follow the transparency-dev vectors:
 * size1 > size2 fails; size1 == 0 fails (nothing can be proven about an empty tree, so asking
 * is a caller bug); size1 == size2 holds iff the proof is empty and the roots are identical.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): boolean {
  if (!isSize(size1) || !isSize(size2) || size1 > size2 || size1 === 0) return false;
  if (!Array.isArray(proof)) return false;
  if (size1 === size2) return proof.length === 0 && bytesEqual(root1, root2);
  if (!isHash(root1) || !isHash(root2) || !proof.every(isHash)) return false;
  if (proof.length === 0) return false;
  // A power-of-two old tree is a complete subtree of the new one, so its root is the seed
  // and the proof omits it.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = fr;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = nodeHash(sr, c); // right of the old tree: only the new root covers it
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && bytesEqual(fr, root1) && bytesEqual(sr, root2);
}

/** A node of the tree: `index`-th perfect subtree of 2^level leaves, counted from the left. */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/**
 * The compact range [0, size) of transparency-dev/merkle/compact (C2SP tlog-tiles calls the same
 * nodes the tree's right edge): one perfect-subtree root per set bit of `size`, largest (leftmost)
 * first. It is all the log must keep to append and to compute the root: it holds at most 53
 * hashes and never needs an old leaf. `CompactRange.nodes(size)` says which stored node each
 * hash is, so a log can rebuild the range from its node table after a restart.
 */
export class CompactRange {
  #size: number;
  #hashes: Uint8Array[];

  constructor(size = 0, hashes: readonly Uint8Array[] = []) {
    if (!isSize(size)) throw new RangeError(`invalid tree size ${size}`);
    requireHashes(hashes);
    const want = CompactRange.nodes(size).length;
    if (hashes.length !== want) {
      throw new RangeError(`a tree of ${size} leaves has ${want} frontier hashes, got ${hashes.length}`);
    }
    this.#size = size;
    this.#hashes = [...hashes];
  }

  /** Frontier nodes of a tree of `size` leaves, in the order of `hashes`. */
  static nodes(size: number): NodeId[] {
    if (!isSize(size)) throw new RangeError(`invalid tree size ${size}`);
    const nodes: NodeId[] = [];
    let width = 1;
    let level = 0;
    while (width * 2 <= size) {
      width *= 2;
      level++;
    }
    for (let start = 0; width >= 1; width /= 2, level--) {
      if (size - start >= width) {
        nodes.push({ level, index: start / width });
        start += width;
      }
    }
    return nodes;
  }

  get size(): number {
    return this.#size;
  }

  get hashes(): Uint8Array[] {
    return [...this.#hashes];
  }

  /**
   * Adds one leaf (by its leaf hash): like incrementing a binary counter, carries merge equal-size
   * subtrees. `onNode` is told every node this completes (the leaf itself at level 0, then each
   * merged subtree), which is exactly what a log must store to serve proofs for any later size.
   */
  append(leaf: Uint8Array, onNode?: (node: NodeId, hash: Uint8Array) => void): void {
    if (!isHash(leaf)) throw new TypeError(`leaf hash must be ${HASH_SIZE} bytes`);
    let h = leaf;
    let node: NodeId = { level: 0, index: this.#size };
    onNode?.(node, h);
    for (let s = this.#size; isOdd(s); s = half(s)) {
      h = nodeHash(this.#hashes.pop()!, h);
      node = { level: node.level + 1, index: half(node.index) };
      onNode?.(node, h);
    }
    this.#hashes.push(h);
    this.#size++;
  }

  /** MTH of the whole tree: fold right to left, since MTH(D[n]) = H(MTH(D[0:k]), MTH(D[k:n])). */
  root(): Uint8Array {
    const hs = this.#hashes;
    if (hs.length === 0) return emptyRoot();
    let r = hs[hs.length - 1]!;
    for (let i = hs.length - 2; i >= 0; i--) r = nodeHash(hs[i]!, r);
    return r;
  }
}
