/**
 * Demo data on embedded defaults: two technology managers of the demo catalog's transfer
 * institution (江苏汇智技术转移中心), active, once. Production never; nothing when the demo
 * catalog is absent or the institution already has managers.
 */
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db.js';
import { newId } from '../../platform/ids.js';
import { findOrganisationByCreditCode } from '../identity/index.js';
import { technologyManagers as m } from './schema.js';

/** The demo catalog's 江苏汇智技术转移中心有限公司 (catalog/demo/demo-data.ts, seed 1). */
export const DEMO_EMPLOYER_CREDIT_CODE = '91320111MA27458381';

export const DEMO_MANAGERS: {
  name: string;
  level: 'junior' | 'intermediate' | 'senior';
  certificateNo: string;
  fields: string[];
  bio: string;
}[] = [
  {
    name: '周明远',
    level: 'senior',
    certificateNo: 'JSTM20233000101',
    fields: ['01', '03'],
    bio: '高校专利作价入股与许可谈判',
  },
  {
    name: '孙雅婷',
    level: 'intermediate',
    certificateNo: 'JSTM20242000102',
    fields: ['04', '06'],
    bio: '装备制造与新能源成果转化',
  },
];
type DemoManager = (typeof DEMO_MANAGERS)[number];

export async function seedDemoManagers(
  db: Db,
  employerCreditCode = DEMO_EMPLOYER_CREDIT_CODE,
  managers: readonly DemoManager[] = DEMO_MANAGERS,
): Promise<number> {
  const employer = await findOrganisationByCreditCode(db, employerCreditCode);
  if (!employer) return 0;
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('techex-demo-managers'))`);
    const existing = await tx
      .select({ id: m.id })
      .from(m)
      .where(eq(m.employerOrganisationId, employer.id))
      .limit(1);
    if (existing.length) return 0;
    const rows = await tx
      .insert(m)
      .values(
        managers.map((x) => ({
          id: newId(),
          employerOrganisationId: employer.id,
          name: x.name,
          level: x.level,
          certificateNo: x.certificateNo,
          fields: [...x.fields],
          bio: x.bio,
          status: 'active' as const,
          createdBy: 'techex-demo-seed',
        })),
      )
      .onConflictDoNothing()
      .returning({ id: m.id });
    return rows.length;
  });
}

/** The managers module's start-up: demo managers on embedded defaults (after the catalog's demo). */
export async function seedManagersOnStart(
  db: Db,
  config: { seedDemo: boolean; env: string },
  logger: { info(obj: object, msg: string): void },
): Promise<void> {
  if (!config.seedDemo || config.env === 'production') return;
  const n = await seedDemoManagers(db);
  if (n) logger.info({ managers: n }, 'seeded demo technology managers');
}
