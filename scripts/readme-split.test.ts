import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { moduleReadme, readmeSplit, SECTIONS, sections } from './readme-split.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const read = (file: string) => fs.readFileSync(path.join(repoRoot, file), 'utf8');

describe('module specifications beside their code', () => {
  it('each module README is its moved section, and the top README no longer has it', () => {
    const top = sections(read('README.md'));
    for (const [heading, { module }] of Object.entries(SECTIONS)) {
      const text = read(`src/modules/${module}/README.md`);
      const section = sections(text).get(heading);
      expect(section, `${module}/README.md has ${heading}`).toBeDefined();
      expect(text).toBe(moduleReadme(heading, section!));
      expect(top.has(heading), `README.md still has ${heading}`).toBe(false);
    }
    expect(read('README.md')).toContain('[src/modules/vouchers/README.md](src/modules/vouchers/README.md)');
  });

  it('ports another branch’s edit of a moved section and names what it cannot place', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'techex-readme-'));
    try {
      fs.writeFileSync(path.join(dir, 'README.md'), read('README.md'));
      const vouchers = sections(read('src/modules/vouchers/README.md')).get(
        '## Data transaction vouchers (数据交易凭证)',
      )!;
      const edited = vouchers.replace('### Keys\n', '### Keys\n\nA line another branch added.\n');
      expect(edited).not.toBe(vouchers);
      const theirs = `${read('README.md')}\n${edited}\n## Services (技术服务)\n\nNew text.\n`;

      const result = readmeSplit(theirs, dir);
      expect(result.written.get('src/modules/vouchers/README.md')).toBe(true);
      expect(fs.readFileSync(path.join(dir, 'src/modules/vouchers/README.md'), 'utf8')).toContain(
        '### Keys\n\nA line another branch added.\n',
      );
      expect(result.unplaced).toEqual(['## Services (技术服务)']);
      expect(result.missing).toContain('## Partner integration');
      expect(result.missing).not.toContain('## Data transaction vouchers (数据交易凭证)');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
