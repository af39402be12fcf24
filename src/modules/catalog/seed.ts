import { sql } from 'drizzle-orm';
import type { Db } from '../../platform/db.js';
import { isUniqueViolation } from '../../platform/db.js';
import {
  demoSignInHelp,
  findOrganisationByCreditCode,
  findSubCentreByCode,
  insertOrganisation,
  insertSubCentre,
  isLoopbackHost,
  type Organisation,
  seedDemoAccounts,
} from '../identity/index.js';
import { upsertBatch } from './batch.js';
import { insertExpert, upsertInstitution } from './directory.js';
import { catalogListings } from './schema.js';
import { SYSTEM } from './views.js';

export interface SeedSummary {
  skipped: boolean;
  organisations: number;
  achievements: number;
  needs: number;
  experts: number;
  institutions: number;
  invalid: number;
}

export async function catalogIsEmpty(db: Db): Promise<boolean> {
  const { rows } = await db.execute(sql`SELECT 1 FROM ${catalogListings} LIMIT 1`);
  return rows.length === 0;
}

/**
 * Load the generated demo exchange (demo/demo-data.ts) through the catalog's own services:
 * sub-centres and organisations through the identity repository, listings through the batch
 * upsert, published at once by the system (audited with actor `system`). Does nothing when the
 * catalog already has listings, so it is safe to call at every start.
 */
export async function seedDemo(db: Db, opts: { seed?: number; force?: boolean } = {}): Promise<SeedSummary> {
  const summary: SeedSummary = {
    skipped: false,
    organisations: 0,
    achievements: 0,
    needs: 0,
    experts: 0,
    institutions: 0,
    invalid: 0,
  };
  if (!opts.force && !(await catalogIsEmpty(db))) return { ...summary, skipped: true };
  // Loaded on demand: the generator is not on the production image's hot path.
  const { generateDemo } = await import('./demo/demo-data.js');
  const demo = generateDemo(opts.seed ?? 1);

  const subCentreIds = new Map<string, string>();
  for (const s of demo.subCentres) {
    const found =
      (await findSubCentreByCode(db, s.code)) ?? (await insertSubCentre(db, { code: s.code, name: s.name }));
    subCentreIds.set(s.code, found.id);
  }
  const orgs = new Map<string, Organisation>();
  for (const o of demo.organisations) {
    const org = await findOrInsertOrganisation(db, {
      type: o.type,
      name: o.name,
      creditCode: o.creditCode,
      regionCode: o.regionCode,
      subCentreId: subCentreIds.get(o.subCentreCode) ?? null,
      partyNature: o.partyNature,
    });
    orgs.set(o.key, org);
    summary.organisations++;
    if (o.serviceKind) {
      await upsertInstitution(db, org.id, { name: o.name, kinds: [o.serviceKind], regionCode: o.regionCode });
      summary.institutions++;
    }
  }

  const byOwner = <T extends { ownerKey: string }>(items: T[]) => {
    const m = new Map<string, T[]>();
    for (const it of items) m.set(it.ownerKey, [...(m.get(it.ownerKey) ?? []), it]);
    return m;
  };
  for (const [key, items] of byOwner(demo.achievements)) {
    const org = orgs.get(key)!;
    const results = await upsertBatch(
      db,
      items.map(({ ownerKey: _, contact, ...a }) => ({
        ...a,
        sourceSystem: 'demo',
        contacts: [contact],
        confidential: { notes: '详细工艺参数、检测报告与技术文件在签署保密协议后提供。' },
      })),
      {
        kind: 'achievement',
        organisationId: org.id,
        subCentreId: org.subCentreId,
        actor: SYSTEM,
        lang: 'en',
        publish: true,
      },
    );
    summary.achievements += results.filter((r) => r.status === 'created').length;
    summary.invalid += results.filter((r) => r.status === 'invalid').length;
  }
  for (const [key, items] of byOwner(demo.needs)) {
    const org = orgs.get(key)!;
    const results = await upsertBatch(
      db,
      items.map(({ ownerKey: _, ...n }) => ({ ...n, sourceSystem: 'demo' })),
      {
        kind: 'need',
        organisationId: org.id,
        subCentreId: org.subCentreId,
        actor: SYSTEM,
        lang: 'en',
        publish: true,
      },
    );
    summary.needs += results.filter((r) => r.status === 'created').length;
    summary.invalid += results.filter((r) => r.status === 'invalid').length;
  }
  for (const e of demo.experts) {
    await insertExpert(db, {
      name: e.name,
      title: e.title,
      organisationId: orgs.get(e.organisationKey)?.id,
      fields: e.fields,
      expertise: e.expertise.slice(0, 30),
    });
    summary.experts++;
  }
  return summary;
}

/** Organisations are identity's: created through its repository; looked up by credit code on a re-run. */
async function findOrInsertOrganisation(
  db: Db,
  v: Parameters<typeof insertOrganisation>[1] & { creditCode: string },
): Promise<Organisation> {
  try {
    return await insertOrganisation(db, v);
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const found = await findOrganisationByCreditCode(db, v.creditCode);
    if (!found) throw err;
    return found;
  }
}

/** At start-up (the catalog module's `startup`): an empty catalog on embedded defaults gets the demo; production never. */
export async function seedOnStart(
  db: Db,
  config: { seedDemo: boolean; env: string; publicUrl: string; host: string },
  logger: { info(obj: object, msg: string): void },
): Promise<void> {
  if (!config.seedDemo || config.env === 'production') return;
  const summary = await seedDemo(db);
  if (!summary.skipped) logger.info(summary, 'seeded the demo exchange into the empty catalog');
  // People and a partner client to sign in with, whose password the README publishes: only
  // while the service listens on this machine alone. How to sign in is printed the first time.
  if (!isLoopbackHost(config.host)) {
    logger.info({ host: config.host }, 'demo accounts not seeded: HOST is reachable from other machines');
    return;
  }
  const accounts = await seedDemoAccounts(db, config.publicUrl);
  if (accounts.created) logger.info({}, demoSignInHelp(config.publicUrl));
}
