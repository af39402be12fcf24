import type { Db } from '../../platform/db.js';
import { newId } from '../../platform/ids.js';
import { listPublicListings } from '../catalog/index.js';
import { currentCalendar } from '../contracts/index.js';
import { findOrganisation } from '../identity/index.js';
import { DEFAULT_POLICY, periodEnd, STATE_FUNDED_TYPES } from './rules.js';
import { priceNotices } from './schema.js';

/**
 * The demo's one notice: a university's (or institute's) public achievement, published three
 * days ago for the default period, so a demo user can read it and object. Returns its id, or
 * undefined when a notice exists already (unless `force`) or no state-funded owner has one.
 */
export async function seedDemoNotice(
  db: Db,
  opts: { force?: boolean; now?: Date } = {},
): Promise<string | undefined> {
  if (!opts.force && (await db.select({ id: priceNotices.id }).from(priceNotices).limit(1)).length) return;
  let afterId: string | undefined;
  for (let page = 0; page < 5; page++) {
    const listings = await listPublicListings(db, 'achievement', { afterId, limit: 200 });
    for (const l of listings) {
      const org = await findOrganisation(db, l.organisationId as string);
      if (!org || !STATE_FUNDED_TYPES.includes(org.type)) continue;
      const start = new Date((opts.now ?? new Date()).getTime() - 3 * 86_400_000);
      const id = newId();
      await db.insert(priceNotices).values({
        id,
        organisationId: org.id,
        achievementId: l.id as string,
        achievementTitle: l.title as string,
        mode: 'transfer',
        priceFen: 1_500_000_00,
        counterpartyName: '苏州示范科技有限公司',
        counterpartyCreditCode: null,
        description: '（演示数据）经双方协商，拟以 150 万元转让该成果，现予公示。',
        periodDays: DEFAULT_POLICY.periodDays,
        dayKind: DEFAULT_POLICY.dayKind,
        startsAt: start,
        endsAt: periodEnd(
          start,
          DEFAULT_POLICY.periodDays,
          DEFAULT_POLICY.dayKind,
          await currentCalendar(db),
        ),
        createdBy: 'system',
      });
      return id;
    }
    if (listings.length < 200) return;
    afterId = listings.at(-1)!.id as string;
  }
}

/** At start-up, on embedded defaults (as the catalog's demo): never in production. */
export async function seedNoticeOnStart(
  db: Db,
  config: { seedDemo: boolean; env: string },
  logger: { info(obj: object, msg: string): void },
): Promise<void> {
  if (!config.seedDemo || config.env === 'production') return;
  const id = await seedDemoNotice(db);
  if (id) logger.info({ noticeId: id }, 'seeded a demo price notice');
}
