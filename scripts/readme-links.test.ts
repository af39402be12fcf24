/**
 * Every relative link in the repository's Markdown (README.md and the modules' READMEs) resolves to
 * a file or folder of the checkout, and a `#fragment` to a heading of the Markdown file it names.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const SKIP_DIRS = new Set(['node_modules', '.git', '.data', 'dist', 'coverage']);

function markdownFiles(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name) && !entry.isSymbolicLink())
        markdownFiles(path.join(dir, entry.name), out);
    } else if (entry.name.endsWith('.md')) out.push(path.join(dir, entry.name));
  }
  return out;
}

/** The text outside fenced code blocks and inline code spans. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchors for a file's headings (lower case, punctuation dropped, spaces → '-', repeats numbered). */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const text = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const [, heading] of text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = heading!
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

/** Relative links of `files` that do not resolve, as `file: target`. */
function brokenLinks(files: string[], root: string): string[] {
  const broken: string[] = [];
  for (const file of files) {
    const markdown = fs.readFileSync(file, 'utf8');
    for (const [, target] of prose(markdown).matchAll(/!?\[[^\]]*\]\(<?([^)\s>]+)>?(?:\s+"[^"]*")?\)/g)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target!) || target!.startsWith('//')) continue;
      const [rawPath, rawFragment] = target!.split('#', 2) as [string, string | undefined];
      const filePart = decodeURIComponent(rawPath);
      const resolved = !filePart
        ? file
        : filePart.startsWith('/')
          ? path.join(root, filePart)
          : path.resolve(path.dirname(file), filePart);
      const where = `${path.relative(root, file)}: ${target}`;
      if (!fs.existsSync(resolved)) {
        broken.push(`${where} (no such file)`);
        continue;
      }
      if (rawFragment === undefined) continue;
      if (
        !resolved.endsWith('.md') ||
        !headingAnchors(fs.readFileSync(resolved, 'utf8')).has(decodeURIComponent(rawFragment))
      )
        broken.push(`${where} (no such heading)`);
    }
  }
  return broken;
}

describe('links in the READMEs', () => {
  it('finds a missing file, a missing heading, and accepts what exists', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'techex-links-'));
    try {
      fs.mkdirSync(path.join(dir, 'sub'));
      fs.writeFileSync(
        path.join(dir, 'sub', 'README.md'),
        '# Sub title\n\n## Data transaction vouchers (数据交易凭证)\n',
      );
      fs.writeFileSync(
        path.join(dir, 'README.md'),
        [
          '# Top',
          '[ok](sub/README.md) [ok](sub/README.md#data-transaction-vouchers-数据交易凭证) [ok](#top) [ok](sub/)',
          '[web](https://example.com/x.md) `[code](nowhere.md)`',
          '```',
          '[fenced](nowhere.md)',
          '```',
          '[bad](sub/NOPE.md) [bad](sub/README.md#nope) [bad](#missing)',
        ].join('\n'),
      );
      expect(brokenLinks([path.join(dir, 'README.md')], dir)).toEqual([
        'README.md: sub/NOPE.md (no such file)',
        'README.md: sub/README.md#nope (no such heading)',
        'README.md: #missing (no such heading)',
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every relative link in the repository resolves', () => {
    const files = markdownFiles(repoRoot);
    expect(files.map((f) => path.relative(repoRoot, f))).toEqual(
      expect.arrayContaining([
        'README.md',
        'src/modules/vouchers/README.md',
        'src/modules/catalog/README.md',
      ]),
    );
    expect(brokenLinks(files, repoRoot)).toEqual([]);
  });
});
