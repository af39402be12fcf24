/**
 * Proofs for any tree size from stored subtree nodes, without loading the leaves.
 *
 * Storage choice: the log stores the hash of every *complete* subtree node (level, index) — the
 * leaf hashes at level 0 and each perfect subtree of 2^level leaves once it is full. Nodes are
 * immutable once written (an append never changes a complete subtree), so a row is written once,
 * by the sequencer, and never updated. About 2n rows for n leaves.
 *
 * Every hash an RFC 9162 proof needs is MTH(D[lo:hi]) of a range whose start is aligned to the
 * next power of two at least as large as the range. Such a range is a handful of complete
 * subtrees (its binary decomposition, largest first); folding them right to left gives its MTH,
 * exactly as `CompactRange.root()` does for [0, size). So a proof for any tree size needs at most
 * O(log² n) stored nodes, fetched in one query.
 */
import { type NodeId, nodeHash } from './merkle.js';

/** A half-open leaf range [lo, hi). */
export type LeafRange = readonly [lo: number, hi: number];

function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The complete subtrees covering [lo, hi), left to right (largest first for aligned ranges). */
export function rangeNodes(lo: number, hi: number): NodeId[] {
  const out: NodeId[] = [];
  for (let at = lo; at < hi; ) {
    let width = 1;
    let level = 0;
    while (at % (width * 2) === 0 && at + width * 2 <= hi) {
      width *= 2;
      level++;
    }
    out.push({ level, index: at / width });
    at += width;
  }
  return out;
}

/** The ranges whose MTH make PATH(m, D[n]) (RFC 9162 §2.1.3.1), in proof order. */
export function inclusionRanges(leafIndex: number, treeSize: number): LeafRange[] {
  if (!Number.isSafeInteger(leafIndex) || leafIndex < 0 || leafIndex >= treeSize) {
    throw new RangeError(`leaf index ${leafIndex} is outside a tree of ${treeSize}`);
  }
  const out: LeafRange[] = [];
  const path = (m: number, lo: number, hi: number): void => {
    const n = hi - lo;
    if (n === 1) return;
    const k = splitPoint(n);
    if (m < k) {
      path(m, lo, lo + k);
      out.push([lo + k, hi]);
    } else {
      path(m - k, lo + k, hi);
      out.push([lo, lo + k]);
    }
  };
  path(leafIndex, 0, treeSize);
  return out;
}

/** The ranges whose MTH make PROOF(m, D[n]) (RFC 9162 §2.1.4.1), in proof order. */
export function consistencyRanges(oldSize: number, newSize: number): LeafRange[] {
  if (!Number.isSafeInteger(oldSize) || oldSize < 1 || oldSize > newSize) {
    throw new RangeError(`old size ${oldSize} must be in 1..${newSize}`);
  }
  const out: LeafRange[] = [];
  const subproof = (m: number, lo: number, hi: number, complete: boolean): void => {
    const n = hi - lo;
    if (m === n) {
      if (!complete) out.push([lo, hi]);
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      subproof(m, lo, lo + k, complete);
      out.push([lo + k, hi]);
    } else {
      subproof(m - k, lo + k, hi, false);
      out.push([lo, lo + k]);
    }
  };
  subproof(oldSize, 0, newSize, true);
  return out;
}

export const nodeKey = (n: NodeId): string => `${n.level}/${n.index}`;

/** Reads stored nodes; must return every node asked for that exists. */
export type NodeReader = (nodes: readonly NodeId[]) => Promise<Map<string, Uint8Array>>;

/** MTH of each range, reading the complete subtrees they are made of in one call. */
export async function rangeHashes(ranges: readonly LeafRange[], read: NodeReader): Promise<Uint8Array[]> {
  const parts = ranges.map(([lo, hi]) => rangeNodes(lo, hi));
  const wanted = new Map<string, NodeId>();
  for (const p of parts) for (const n of p) wanted.set(nodeKey(n), n);
  const stored = await read([...wanted.values()]);
  return parts.map((p) => {
    const hashes = p.map((n) => {
      const h = stored.get(nodeKey(n));
      if (!h) throw new Error(`log node ${nodeKey(n)} is missing`);
      return h;
    });
    let r = hashes[hashes.length - 1]!;
    for (let i = hashes.length - 2; i >= 0; i--) r = nodeHash(hashes[i]!, r);
    return r;
  });
}
