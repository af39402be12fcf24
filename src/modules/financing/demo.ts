/**
 * Demo data on embedded defaults: the demo catalog's two venture firms as investors, and one
 * roadshow of its transfer institution with an accepted project and both investors registered.
 * Production never; nothing when the demo catalog is absent or the organiser has a roadshow.
 */
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db.js';
import { newId } from '../../platform/ids.js';
import { findOrganisationByCreditCode, type Organisation } from '../identity/index.js';
import { investorProfiles, roadshowInvestors, roadshowPresentations, roadshows } from './schema.js';

/** catalog/demo/demo-data.ts (seed 1): 苏州启元创业投资, 江苏紫金科创投资, 江苏汇智技术转移中心, 南京大学. */
export const DEMO_CODES = {
  investors: ['91320505MA13554168', '91320106MA1859833B'],
  organiser: '91320111MA27458381',
  presenter: '123201064605992613',
};

const PROFILES = [
  {
    stages: ['seed', 'angel', 'pre_a'],
    fields: ['01', '03'],
    ticketMinFen: 1_000_000_00,
    ticketMaxFen: 5_000_000_00,
  },
  { stages: ['a', 'b'], fields: ['03', '04', '06'], ticketMinFen: 5_000_000_00, ticketMaxFen: 30_000_000_00 },
];

export async function seedDemoFinancing(db: Db, codes = DEMO_CODES): Promise<boolean> {
  const organiser = await findOrganisationByCreditCode(db, codes.organiser);
  const presenter = await findOrganisationByCreditCode(db, codes.presenter);
  const investors: Organisation[] = [];
  for (const c of codes.investors) {
    const org = await findOrganisationByCreditCode(db, c);
    if (org) investors.push(org);
  }
  if (!organiser || !presenter || investors.length !== codes.investors.length) return false;
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('techex-demo-financing'))`);
    const existing = await tx
      .select({ id: roadshows.id })
      .from(roadshows)
      .where(eq(roadshows.organiserOrganisationId, organiser.id))
      .limit(1);
    if (existing.length) return false;
    const by = 'techex-demo-seed';
    for (const [i, org] of investors.entries())
      await tx
        .insert(investorProfiles)
        .values({ organisationId: org.id, ...PROFILES[i % PROFILES.length]!, updatedBy: by })
        .onConflictDoNothing();
    const roadshowId = newId();
    // Next month, 10:00–12:00 China time.
    const start = new Date();
    start.setUTCMonth(start.getUTCMonth() + 1, 15);
    start.setUTCHours(2, 0, 0, 0);
    await tx.insert(roadshows).values({
      id: roadshowId,
      organiserOrganisationId: organiser.id,
      title: '江苏省新材料与新能源成果转化专场路演',
      description: '高校院所科技成果与投资机构对接（演示数据）',
      startsAt: start,
      endsAt: new Date(start.getTime() + 2 * 3600_000),
      mode: 'hybrid',
      place: '南京市江北新区研创园',
      url: 'https://live.example.com/techex-demo-roadshow',
      fields: ['03', '06'],
      createdBy: by,
    });
    await tx.insert(roadshowPresentations).values({
      id: newId(),
      roadshowId,
      presenterOrganisationId: presenter.id,
      title: '高镍正极材料连续化制备工艺',
      summary: '将正极材料成本降低两成、循环寿命提升三成',
      stage: 'angel',
      askFen: 3_000_000_00,
      fields: ['03'],
      status: 'accepted',
      createdBy: by,
      decidedAt: new Date(),
    });
    await tx
      .insert(roadshowInvestors)
      .values(investors.map((o) => ({ roadshowId, investorOrganisationId: o.id, registeredBy: by })));
    return true;
  });
}

export async function seedFinancingOnStart(
  db: Db,
  config: { seedDemo: boolean; env: string },
  logger: { info(obj: object, msg: string): void },
): Promise<void> {
  if (!config.seedDemo || config.env === 'production') return;
  if (await seedDemoFinancing(db)) logger.info({}, 'seeded demo investors and a roadshow');
}
