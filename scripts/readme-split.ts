/**
 * Moves module specifications out of a monolithic README into the READMEs beside their code
 * (issue 15 item 8), verbatim: `src/modules/<module>/README.md` = a title, one line linking back
 * to the top README and the module's contract, then the `## …` section exactly as the monolith has
 * it (its `###` subsections included, up to the next `## `).
 *
 * Use it to port edits another branch made to a section of the old README.md:
 *   git show <their commit>:README.md > /tmp/README.theirs.md
 *   npx tsx scripts/readme-split.ts /tmp/README.theirs.md
 * rewrites each module README from that file's section (printing which changed) and lists the
 * `## ` sections of that file that neither SECTIONS nor the current top README has (new text to
 * place by hand). It never edits the top README.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** The top README's `## ` heading of each moved section → its module and the module README's title. */
export const SECTIONS: Record<string, { module: string; title: string }> = {
  '## Single sign-on (OpenID Connect)': {
    module: 'identity',
    title: 'techex identity: single sign-on (OpenID Connect)',
  },
  '## Catalog (achievements, needs, experts, institutions)': {
    module: 'catalog',
    title: 'techex catalog: achievements, needs, experts and institutions',
  },
  '## Search and matching (检索与智能撮合)': {
    module: 'matching',
    title: 'techex matching: search and smart matchmaking',
  },
  '## Interests (意向)': { module: 'interests', title: 'techex interests: expressions of interest' },
  '## Saved searches and alerts': {
    module: 'alerts',
    title: 'techex alerts: saved searches and their alerts',
  },
  '## Technology contract registration (技术合同认定登记)': {
    module: 'contracts',
    title: 'techex contracts: technology contract registration',
  },
  '## Partner integration': {
    module: 'integration',
    title: 'techex integration: webhooks, events, rate limits and the typed client',
  },
  '## Data transaction vouchers (数据交易凭证)': {
    module: 'vouchers',
    title: 'techex data transaction vouchers: the specification',
  },
};

const INTRO =
  'Part of [techex](../../../README.md) (set-up, configuration, API conventions). The contract of\n' +
  "this module's operations is [`openapi.yaml`](openapi.yaml) beside this file.\n";

/** The `## ` sections of a Markdown text (headings inside code fences do not count). */
export function sections(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  let heading: string | undefined;
  let lines: string[] = [];
  let fence = false;
  const flush = () => {
    if (heading) out.set(heading, `${lines.join('\n').replace(/\n+$/, '')}\n`);
  };
  for (const line of markdown.split('\n')) {
    if (/^(```|~~~)/.test(line)) fence = !fence;
    if (!fence && line.startsWith('## ')) {
      flush();
      heading = line.trimEnd();
      lines = [];
    }
    lines.push(line);
  }
  flush();
  return out;
}

/** The module README for a moved section. */
export function moduleReadme(heading: string, section: string): string {
  const spec = SECTIONS[heading];
  if (!spec) throw new Error(`${heading}: not a moved section`);
  return `# ${spec.title}\n\n${INTRO}\n${section}`;
}

export interface ReadmeSplitResult {
  /** Module README path (relative to the root) → whether its text changed. */
  written: Map<string, boolean>;
  /** `## ` sections of the monolith that are neither moved nor in the top README. */
  unplaced: string[];
  /** Moved sections the monolith lacks. */
  missing: string[];
}

export function readmeSplit(monolith: string, root = repoRoot): ReadmeSplitResult {
  const found = sections(monolith);
  const top = sections(fs.readFileSync(path.join(root, 'README.md'), 'utf8'));
  const written = new Map<string, boolean>();
  const missing: string[] = [];
  for (const [heading, { module }] of Object.entries(SECTIONS)) {
    const section = found.get(heading);
    if (!section) {
      missing.push(heading);
      continue;
    }
    const file = `src/modules/${module}/README.md`;
    const text = moduleReadme(heading, section);
    const abs = path.join(root, file);
    const before = fs.existsSync(abs) ? fs.readFileSync(abs, 'utf8') : undefined;
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, text);
    written.set(file, before !== text);
  }
  const unplaced = [...found.keys()].filter((h) => !SECTIONS[h] && !top.has(h));
  return { written, unplaced, missing };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    console.error('Usage: npx tsx scripts/readme-split.ts <monolithic README.md>');
    process.exit(2);
  }
  const r = readmeSplit(fs.readFileSync(file, 'utf8'));
  for (const [f, changed] of r.written) console.log(`${changed ? 'changed  ' : 'unchanged'} ${f}`);
  for (const h of r.missing) console.log(`missing in ${file}: ${h}`);
  for (const h of r.unplaced) console.log(`not placed (neither moved nor in README.md): ${h}`);
}
