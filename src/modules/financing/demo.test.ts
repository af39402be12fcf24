import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createActor, createOrganisation } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import { randomCreditCode } from '../../test/ids.js';
import { seedDemoManagers } from '../managers/demo.js';
import { managerRoutes } from '../managers/routes.js';
import { seedDemoFinancing } from './demo.js';
import { financingRoutes } from './routes.js';
import { roadshows } from './schema.js';

/** The demo seeds, run against organisations of this file's own (the demo catalog's stand-ins). */
const t = useTestApp([managerRoutes, financingRoutes]);

describe('demo data', () => {
  it('seeds two active managers, two investors and one matched roadshow, once', async () => {
    const org = async () => {
      const code = randomCreditCode('320100');
      return { code, org: await createOrganisation(t.ctx, { verified: true, creditCode: code }) };
    };
    const [organiser, presenter, inv1, inv2] = [await org(), await org(), await org(), await org()];
    const codes = {
      organiser: organiser.code,
      presenter: presenter.code,
      investors: [inv1.code, inv2.code],
    };
    const db = t.ctx.database.db;
    const cert = (d: string) => `JSTM2024${d}${String(Date.now() % 1e6).padStart(6, '0')}`;
    const managers = [
      { name: '甲', level: 'senior' as const, certificateNo: cert('3'), fields: ['01'], bio: '' },
      { name: '乙', level: 'junior' as const, certificateNo: cert('1'), fields: ['02'], bio: '' },
    ];
    expect(await seedDemoManagers(db, organiser.code, managers)).toBe(2);
    expect(await seedDemoManagers(db, organiser.code, managers)).toBe(0);
    const listed = await t.app.inject({
      method: 'GET',
      url: `/v1/technology-managers?employerOrganisationId=${organiser.org.id}`,
    });
    expect(listed.json().items.map((m: { status: string }) => m.status)).toEqual(['active', 'active']);

    expect(await seedDemoFinancing(db, codes)).toBe(true);
    expect(await seedDemoFinancing(db, codes)).toBe(false);
    const [show] = await db
      .select()
      .from(roadshows)
      .where(eq(roadshows.organiserOrganisationId, organiser.org.id));
    // The demo roadshow's one project matches the first investor (field, stage and ticket) through the API.
    const operator = await createActor(t.ctx, { roles: [{ role: 'operator' }] });
    const matches = await t.app.inject({
      method: 'GET',
      url: `/v1/roadshows/${show!.id}/matches`,
      headers: operator.headers,
    });
    expect(matches.statusCode, matches.body).toBe(200);
    const first = matches
      .json()
      .items.find((m: { investorOrganisationId: string }) => m.investorOrganisationId === inv1.org.id);
    expect(first.score).toBe(3);
  });
});
