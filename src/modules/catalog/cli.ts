import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { loadConfig } from '../../platform/config.js';
import type { Db } from '../../platform/db.js';
import { UUID_RE } from '../../platform/ids.js';
import { createLogger } from '../../platform/logger.js';
import { openDatabase } from '../../platform/runtime.js';
import { loadSecrets } from '../../platform/secrets.js';
import {
  findOrganisation,
  findOrganisationByCreditCode,
  normalizeIdentifier,
  type Organisation,
} from '../identity/index.js';
import { BATCH_MAX, type BatchResult, previewBatch, upsertBatch } from './batch.js';
import { previewImport, readSheet } from './import.js';
import { seedDemo } from './seed.js';
import { SYSTEM } from './views.js';

const USAGE = `usage:
  techex import achievements <file.csv|file.xlsx> --org <organisation id or credit code> [--dry-run] [--submit]
  techex seed --demo`;

/** `techex import …` and `techex seed --demo` (dispatched from src/main.ts). */
export async function runCatalogCli(command: string, argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      org: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      submit: { type: 'boolean', default: false },
      demo: { type: 'boolean', default: false },
    },
  });
  if (command === 'import') {
    const [what, file] = positionals;
    if (what !== 'achievements' || !file) throw new Error(USAGE);
    const opts = { org: values.org, dryRun: values['dry-run'], submit: values.submit };
    // A preview too reads the database (read only): duplicates and the organisation are checked.
    return withDatabase(async (db) => {
      await importAchievements(db, file, opts);
    });
  }
  if (command === 'seed' && values.demo) {
    return withDatabase(async (db) => {
      const s = await seedDemo(db);
      console.log(s.skipped ? 'the catalog already has listings; nothing seeded' : JSON.stringify(s));
    });
  }
  throw new Error(USAGE);
}

async function withDatabase(fn: (db: Db) => Promise<void>): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ ...config, logLevel: 'warn' });
  const secrets = await loadSecrets(config);
  const { database, embedded } = await openDatabase(config, logger, secrets.embeddedDbPassword);
  try {
    await fn(database.db);
  } finally {
    await database.close();
    await embedded?.stop();
  }
}

async function findOrg(db: Db, ref: string): Promise<Organisation | undefined> {
  if (UUID_RE.test(ref)) return findOrganisation(db, ref);
  return findOrganisationByCreditCode(db, normalizeIdentifier(ref));
}

/**
 * Import (or, with `dryRun`, preview) a spreadsheet of achievements for one organisation. The
 * preview runs the batch's own checks against the database in a READ ONLY transaction, so it
 * shows what the import would do: rows that would be created or update an existing external id,
 * rows refused (a listing no longer editable), and duplicate warnings (a published title, a patent
 * number anywhere). Both need an existing `--org`.
 */
export async function importAchievements(
  db: Db,
  file: string,
  opts: { org?: string; dryRun: boolean; submit: boolean },
): Promise<{ preview: ReturnType<typeof previewImport>['preview']; results: BatchResult[] }> {
  if (!opts.org)
    throw new Error(`--org is required (a preview is against that organisation's listings)\n${USAGE}`);
  const org = await findOrg(db, opts.org);
  if (!org) throw new Error(`no organisation ${opts.org}`);
  const sheet = await readSheet(file);
  const { preview, items } = previewImport(sheet, 'zh-CN');
  const bad = preview.filter((p) => p.status === 'invalid');
  console.log(`${file}: ${sheet.rows.length} rows, ${items.length} valid, ${bad.length} with errors`);
  for (const p of preview.slice(0, 20))
    console.log(`  line ${p.line}\t${p.status}\t${p.externalId}\t${p.title.slice(0, 40)}`);
  if (preview.length > 20) console.log(`  … ${preview.length - 20} more`);
  for (const p of bad) for (const e of p.errors) console.log(`  line ${p.line}: ${e.field}: ${e.message}`);
  if (opts.dryRun) {
    const results: BatchResult[] = [];
    for (let k = 0; k < items.length; k += BATCH_MAX)
      results.push(
        ...(await previewBatch(db, items.slice(k, k + BATCH_MAX), {
          kind: 'achievement',
          organisationId: org.id,
          lang: 'zh-CN',
          submit: opts.submit,
        })),
      );
    report(results, 'would be ');
    console.log('dry run: nothing written');
    return { preview, results };
  }
  const bar = new cliProgress.SingleBar(
    { format: 'importing [{bar}] {value}/{total}' },
    cliProgress.Presets.shades_classic,
  );
  bar.start(items.length, 0);
  const results: BatchResult[] = [];
  for (let k = 0; k < items.length; k += BATCH_MAX) {
    const chunk = items.slice(k, k + BATCH_MAX);
    results.push(
      ...(await upsertBatch(db, chunk, {
        kind: 'achievement',
        organisationId: org.id,
        subCentreId: org.subCentreId,
        actor: SYSTEM,
        lang: 'zh-CN',
        submit: opts.submit,
      })),
    );
    bar.update(k + chunk.length);
  }
  bar.stop();
  report(results, '');
  console.log(`saved as ${opts.submit ? 'submitted for review' : 'drafts'}, nothing published`);
  return { preview, results };
}

function report(results: BatchResult[], would: string): void {
  const count = (s: string) => results.filter((r) => r.status === s).length;
  console.log(
    `${would}created ${count('created')}, updated ${count('updated')}, unchanged ${count('unchanged')}, invalid ${count('invalid')}`,
  );
  for (const r of results) {
    for (const e of r.errors ?? []) console.log(`  ${r.externalId}: ${e.field}: ${e.message}`);
    for (const w of r.warnings ?? [])
      console.log(
        `  warning ${r.externalId}: ${w.code} ${w.listingId} ${w.title}${w.patentNumber ? ` ${w.patentNumber}` : ''}`,
      );
    if ((r.duplicateCount ?? 0) > (r.warnings?.length ?? 0))
      console.log(`  warning ${r.externalId}: ${r.duplicateCount} probable duplicates in all`);
  }
}
