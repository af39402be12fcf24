import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  CompactRange,
  consistencyProof,
  emptyRoot,
  inclusionProof,
  leafHash,
  nodeHash,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from './merkle.js';

// Copied into the repository with their source and licence: see testdata/merkle/README.md.
const VECTORS = fileURLToPath(new URL('./testdata/merkle', import.meta.url));

interface InclusionVector {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

interface ConsistencyVector {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

/** Every JSON file below `dir`, as [path relative to the vector root, parsed content]. */
function loadVectors<T>(dir: string): [string, T][] {
  return readdirSync(path.join(VECTORS, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => [path.join(dir, f), JSON.parse(readFileSync(path.join(VECTORS, dir, f), 'utf8')) as T]);
}

const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));
const proofOf = (p: string[] | null): Uint8Array[] => (p ?? []).map(b64);
const hex = (h: Uint8Array): string => Buffer.from(h).toString('hex');

const inclusion = loadVectors<InclusionVector>('inclusion');
const consistency = loadVectors<ConsistencyVector>('consistency');

describe('public vectors (transparency-dev/merkle testdata)', () => {
  it('are all present, and every happy path is a valid case', () => {
    expect(inclusion.length).toBeGreaterThan(90);
    expect(consistency.length).toBeGreaterThan(90);
    for (const [file, v] of [...inclusion, ...consistency]) {
      if (file.endsWith('happy-path.json')) expect(v.wantErr, file).toBe(false);
    }
  });

  it('mark as valid only the happy paths and two edge cases', () => {
    const valid = [...inclusion, ...consistency]
      .filter(([file, v]) => !v.wantErr && !file.endsWith('happy-path.json'))
      .map(([file]) => file);
    expect(valid).toEqual([
      path.join('inclusion', 'single-entry', 'matching-root-and-leaf.json'),
      path.join('consistency', 'additional', 'sizes-are-equal-one-and-proof-is-empty.json'),
    ]);
  });

  it.each(inclusion)('inclusion %s', (_file, v) => {
    const ok = verifyInclusion(v.leafIdx, v.treeSize, b64(v.leafHash), proofOf(v.proof), b64(v.root));
    expect(ok).toBe(!v.wantErr);
  });

  it.each(consistency)('consistency %s', (_file, v) => {
    const ok = verifyConsistency(v.size1, v.size2, proofOf(v.proof), b64(v.root1), b64(v.root2));
    expect(ok).toBe(!v.wantErr);
  });
});

describe('generation against the vectors', () => {
  // The RFC 6962 reference leaves from which the transparency-dev vectors were built.
  const leaves = [
    '',
    '00',
    '10',
    '2021',
    '3031',
    '40414243',
    '5051525354555657',
    '606162636465666768696a6b6c6d6e6f',
  ].map((h) => leafHash(Buffer.from(h, 'hex')));
  const vector = <T>(list: [string, T][], file: string): T => list.find(([f]) => f === file)![1];

  it('computes the same roots and proofs', () => {
    const incl = vector(inclusion, path.join('inclusion', '2', 'happy-path.json'));
    expect(hex(rootFromLeafHashes(leaves))).toBe(hex(b64(incl.root)));
    expect(hex(leaves[5]!)).toBe(hex(b64(incl.leafHash)));
    expect(inclusionProof(5, leaves).map(hex)).toEqual(proofOf(incl.proof).map(hex));

    const cons = vector(consistency, path.join('consistency', '2', 'happy-path.json'));
    expect(cons.size1).toBe(6);
    expect(hex(rootFromLeafHashes(leaves.slice(0, 6)))).toBe(hex(b64(cons.root1)));
    expect(consistencyProof(6, leaves).map(hex)).toEqual(proofOf(cons.proof).map(hex));
  });
});

describe('hashing', () => {
  it('uses the RFC 9162 prefixes and the empty-string root', () => {
    expect(hex(emptyRoot())).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex(leafHash(new Uint8Array()))).toBe(
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    );
    expect(hex(rootFromLeafHashes([]))).toBe(hex(emptyRoot()));
    const [a, b] = [leafHash(Uint8Array.of(1)), leafHash(Uint8Array.of(2))];
    expect(hex(rootFromLeafHashes([a, b]))).toBe(hex(nodeHash(a, b)));
  });
});

describe('random trees of 1..70 leaves', () => {
  const all = Array.from({ length: 70 }, () => leafHash(randomBytes(16)));
  const roots = Array.from({ length: 71 }, (_, n) => rootFromLeafHashes(all.slice(0, n)));
  const flip = (proof: Uint8Array[], i: number): Uint8Array[] =>
    proof.map((h, j) => (j === i ? h.map((byte, k) => (k === 0 ? byte ^ 1 : byte)) : h));

  // A changed tree size is not tested: a proof for (i, n) can equally be one for (i, n + 1)
  // (e.g. leaf 0 of 3 and of 4 leaves); only the root, signed with the size, pins the size.
  it('inclusion proofs verify, and fail for a changed hash, index or leaf', () => {
    for (let n = 1; n <= 70; n++) {
      const leaves = all.slice(0, n);
      const root = roots[n]!;
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(i, leaves);
        const leaf = leaves[i]!;
        expect(verifyInclusion(i, n, leaf, proof, root), `${i} in ${n}`).toBe(true);
        if (n > 1) expect(verifyInclusion(i, n, leaves[(i + 1) % n]!, proof, root)).toBe(false);
        if ((i ^ 1) < n) expect(verifyInclusion(i ^ 1, n, leaf, proof, root)).toBe(false);
        expect(verifyInclusion(i, n, leaf, [...proof, root], root)).toBe(false);
        for (let j = 0; j < proof.length; j++)
          expect(verifyInclusion(i, n, leaf, flip(proof, j), root)).toBe(false);
      }
    }
  });

  it('consistency proofs verify, and fail for a changed hash, size or root', () => {
    for (let n = 1; n <= 70; n++) {
      const leaves = all.slice(0, n);
      for (let m = 1; m <= n; m++) {
        const proof = consistencyProof(m, leaves);
        expect(verifyConsistency(m, n, proof, roots[m]!, roots[n]!), `${m} -> ${n}`).toBe(true);
        if (m === n) continue;
        expect(verifyConsistency(m, n, proof, roots[n]!, roots[n]!)).toBe(false);
        expect(verifyConsistency(m, n, proof, roots[m]!, roots[m]!)).toBe(false);
        expect(verifyConsistency(m, n, proof.slice(1), roots[m]!, roots[n]!)).toBe(false);
        for (let j = 0; j < proof.length; j++) {
          expect(verifyConsistency(m, n, flip(proof, j), roots[m]!, roots[n]!)).toBe(false);
        }
      }
    }
  });

  it('the compact range gives the same roots while appending, and can be rebuilt from its hashes', () => {
    const range = new CompactRange();
    expect(hex(range.root())).toBe(hex(roots[0]!));
    for (let n = 1; n <= 70; n++) {
      range.append(all[n - 1]!);
      expect(range.size).toBe(n);
      expect(hex(range.root()), `size ${n}`).toBe(hex(roots[n]!));
      const nodes = CompactRange.nodes(n);
      expect(range.hashes).toHaveLength(nodes.length);
      // Each frontier hash is the root of the subtree the node id names.
      nodes.forEach(({ level, index }, j) => {
        const width = 2 ** level;
        expect(hex(rootFromLeafHashes(all.slice(index * width, (index + 1) * width)))).toBe(
          hex(range.hashes[j]!),
        );
      });
      expect(hex(new CompactRange(n, range.hashes).root())).toBe(hex(roots[n]!));
    }
  });

  it('the compact range rejects a frontier of the wrong shape', () => {
    expect(() => new CompactRange(3, [all[0]!])).toThrow(RangeError);
    expect(() => new CompactRange(-1, [])).toThrow(RangeError);
    expect(CompactRange.nodes(6)).toEqual([
      { level: 2, index: 0 },
      { level: 1, index: 2 },
    ]);
  });
});

describe('proof generation arguments', () => {
  const leaves = [leafHash(Uint8Array.of(1)), leafHash(Uint8Array.of(2))];
  it('refuses impossible requests', () => {
    expect(() => inclusionProof(2, leaves)).toThrow(RangeError);
    expect(() => consistencyProof(0, leaves)).toThrow(RangeError);
    expect(() => consistencyProof(3, leaves)).toThrow(RangeError);
    expect(consistencyProof(2, leaves)).toEqual([]);
  });

  it('verification rejects rather than throws on nonsense', () => {
    const root = rootFromLeafHashes(leaves);
    expect(verifyInclusion(-1, 2, leaves[0]!, [leaves[1]!], root)).toBe(false);
    expect(verifyInclusion(0.5, 2, leaves[0]!, [leaves[1]!], root)).toBe(false);
    expect(verifyInclusion(0, Number.NaN, leaves[0]!, [leaves[1]!], root)).toBe(false);
    expect(verifyConsistency(1, 2 ** 60, [leaves[1]!], leaves[0]!, root)).toBe(false);
    expect(verifyConsistency(1, 2, [new Uint8Array(31)], leaves[0]!, root)).toBe(false);
  });
});
