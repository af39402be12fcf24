import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// A clone of this repository alone (no ../shared beside it) must pass `npm test`: the vectors
// the voucher tests read live here, each folder naming its source and licence.
const here = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === 'node_modules' || e.name === 'testdata') return [];
    const p = path.join(dir, e.name);
    return e.isDirectory() ? testFiles(p) : e.name.endsWith('.test.ts') ? [p] : [];
  });
}

describe('test vectors kept in the repository', () => {
  it('has the Merkle vectors with their Apache-2.0 licence and source', () => {
    const dir = path.join(here, 'testdata/merkle');
    expect(readFileSync(path.join(dir, 'LICENSE'), 'utf8')).toContain('Apache License');
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toContain('transparency-dev/merkle');
    expect(readdirSync(path.join(dir, 'inclusion')).length).toBeGreaterThan(0);
    expect(readdirSync(path.join(dir, 'consistency')).length).toBeGreaterThan(0);
  });

  it('has the signed-note vector with its source', () => {
    const dir = path.join(here, 'testdata/signed-note');
    expect(existsSync(path.join(dir, 'example.note'))).toBe(true);
    expect(readFileSync(path.join(dir, 'README.md'), 'utf8')).toContain('c2sp.org/signed-note');
  });

  it('no test reads from ../shared outside the repository', () => {
    const readers = testFiles(path.join(repoRoot, 'src'))
      .concat(existsSync(path.join(repoRoot, 'scripts')) ? testFiles(path.join(repoRoot, 'scripts')) : [])
      .filter((f) => !f.endsWith('testdata.test.ts'))
      .filter((f) => /\.\.\/shared\b/.test(readFileSync(f, 'utf8')));
    expect(readers.map((f) => path.relative(repoRoot, f))).toEqual([]);
  });
});
