import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { consistencyRanges, inclusionRanges, nodeKey, rangeHashes, rangeNodes } from './log-tree.js';
import {
  CompactRange,
  consistencyProof,
  inclusionProof,
  leafHash,
  type NodeId,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from './merkle.js';

const leaves = (n: number): Uint8Array[] =>
  Array.from({ length: n }, (_, i) =>
    leafHash(new Uint8Array(createHash('sha256').update(`leaf ${i}`).digest())),
  );

/** The node table a log would hold after appending `hashes`, built through CompactRange. */
function nodeStore(hashes: Uint8Array[]) {
  const stored = new Map<string, Uint8Array>();
  const range = new CompactRange();
  for (const h of hashes) range.append(h, (node, hash) => stored.set(nodeKey(node), hash));
  const read = async (nodes: readonly NodeId[]) =>
    new Map(nodes.flatMap((n) => (stored.has(nodeKey(n)) ? [[nodeKey(n), stored.get(nodeKey(n))!]] : [])));
  return { stored, range, read };
}

const hex = (hs: Uint8Array[]): string[] => hs.map((h) => Buffer.from(h).toString('hex'));

describe('proofs from stored complete subtrees', () => {
  const all = leaves(70);
  const { stored, range, read } = nodeStore(all);

  it('stores each complete node once: n leaves and n - popcount(n) inner nodes', () => {
    const ones = range.size.toString(2).replaceAll('0', '').length;
    expect(stored.size).toBe(70 + 70 - ones);
    expect(Buffer.from(range.root())).toEqual(Buffer.from(rootFromLeafHashes(all)));
  });

  it('decomposes a range into aligned complete subtrees', () => {
    expect(rangeNodes(0, 7)).toEqual([
      { level: 2, index: 0 },
      { level: 1, index: 2 },
      { level: 0, index: 6 },
    ]);
    expect(rangeNodes(8, 16)).toEqual([{ level: 3, index: 1 }]);
    expect(rangeNodes(3, 3)).toEqual([]);
  });

  it('gives the reference inclusion proof for every leaf of every size up to 70', async () => {
    for (let n = 1; n <= 70; n++) {
      const prefix = all.slice(0, n);
      const root = rootFromLeafHashes(prefix);
      for (let m = 0; m < n; m++) {
        const proof = await rangeHashes(inclusionRanges(m, n), read);
        expect(hex(proof), `leaf ${m} of ${n}`).toEqual(hex(inclusionProof(m, prefix)));
        expect(verifyInclusion(m, n, all[m]!, proof, root)).toBe(true);
      }
    }
  });

  it('gives the reference consistency proof for every pair of sizes up to 70', async () => {
    for (let n = 1; n <= 70; n++) {
      const prefix = all.slice(0, n);
      for (let m = 1; m <= n; m++) {
        const proof = await rangeHashes(consistencyRanges(m, n), read);
        expect(hex(proof), `${m} -> ${n}`).toEqual(hex(consistencyProof(m, prefix)));
        const ok = verifyConsistency(
          m,
          n,
          proof,
          rootFromLeafHashes(all.slice(0, m)),
          rootFromLeafHashes(prefix),
        );
        expect(ok).toBe(true);
      }
    }
  });

  it('refuses sizes outside the tree and reports a missing node', async () => {
    expect(() => inclusionRanges(5, 5)).toThrow(RangeError);
    expect(() => consistencyRanges(0, 5)).toThrow(RangeError);
    await expect(rangeHashes(inclusionRanges(0, 128), read)).rejects.toThrow(/missing/);
  });
});
