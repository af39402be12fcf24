import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation } from '../../test/actors.js';
import { createWorld, publishedAchievement, requester, type World } from '../../test/fixtures/interests.js';
import { insertExpert } from '../catalog/directory.js';
import { users } from '../identity/schema.js';
import { seedAssessmentsOnStart, seedDemoEvaluation } from './demo.js';
import { assessmentsModule } from './module.js';
import { achievementEvaluations } from './schema.js';

/**
 * The demo evaluation, seeded on this file's own achievement and experts (the demo catalog's
 * stand-ins). Field 07 is this file's own: no other test file enrols evaluators in it.
 */
const FIELD = '07';
let w: World;
let req: ReturnType<typeof requester>;
let achievementId: string;
const independent: string[] = [];
let ownExpert: string;

beforeAll(async () => {
  w = await createWorld([assessmentsModule.routes!]);
  req = requester(w);
  achievementId = await publishedAchievement(w, { field: FIELD });
  const db = w.ctx.database.db;
  const third = await createOrganisation(w.ctx, { verified: true });
  for (let i = 0; i < 3; i++)
    independent.push(
      (
        await insertExpert(db, {
          name: `演示评价专家${i}`,
          fields: [FIELD],
          organisationId: i ? third.id : undefined,
        })
      ).id,
    );
  // An expert of the owner's own university: never on its panel, recorded as a conflict.
  ownExpert = (await insertExpert(db, { name: '本校专家', fields: [FIELD], organisationId: w.uni.id })).id;
});
afterAll(async () => {
  await w?.close();
});

const deps = () => ({ db: w.ctx.database.db, cursors: w.ctx.cursors, outbox: { kick: () => undefined } });
const seeded = () =>
  w.ctx.database.db
    .select()
    .from(achievementEvaluations)
    .where(eq(achievementEvaluations.requestedBy, 'techex-demo-seed'));

describe('the demo evaluation', () => {
  it('is never seeded in production or without SEED_DEMO', async () => {
    const silent = { info: () => undefined };
    // The same candidates as below, where it is seeded: only the configuration keeps it out.
    const opts = { achievementIds: [achievementId], expertIds: [...independent, ownExpert] };
    const host = '127.0.0.1';
    await seedAssessmentsOnStart(deps(), { seedDemo: true, env: 'production', host }, silent, opts);
    await seedAssessmentsOnStart(deps(), { seedDemo: false, env: 'development', host }, silent, opts);
    expect(await seeded()).toEqual([]);
  });

  it('concludes one evaluation by a panel of demo experts without the owner’s, shown on the achievement, once', async () => {
    const opts = { achievementIds: [achievementId], expertIds: [...independent, ownExpert] };
    const made = await seedDemoEvaluation(w.ctx.database.db, deps(), opts);
    expect(made).toEqual({ evaluationId: expect.any(String), achievementId });
    const id = made!.evaluationId;
    expect(await seedDemoEvaluation(w.ctx.database.db, deps(), opts)).toBeUndefined();
    expect(await seeded()).toHaveLength(1);

    // Anyone who sees the achievement sees the concluded evaluation (no experts, no individual scores).
    const shown = await req('GET', `/v1/achievements/${achievementId}/assessments`);
    expect(shown.statusCode, shown.body).toBe(200);
    expect(shown.json().evaluations).toEqual([
      expect.objectContaining({
        id,
        field: FIELD,
        status: 'concluded',
        panelSize: 3,
        score: 75.18,
        level: 'domestic_leading',
        levelName: '国内领先',
      }),
    ]);
    // The panel: three demo experts, each scored under their own account; the owner's expert is out.
    const detail = await req('GET', `/v1/evaluations/${id}`, w.operator);
    expect(detail.statusCode, detail.body).toBe(200);
    const e = detail.json();
    expect(e.panel.map((m: { expertId: string }) => m.expertId).sort()).toEqual([...independent].sort());
    expect(e.panel.every((m: { submitted: boolean }) => m.submitted)).toBe(true);
    expect(e.conflicts).toEqual([
      { expertId: ownExpert, organisationId: w.uni.id, reason: 'owner_organisation' },
    ]);
    // Seeded without `signIn` (as off loopback): the experts' accounts have no password.
    const accounts = await w.ctx.database.db
      .select({ email: users.email, passwordHash: users.passwordHash })
      .from(users)
      .where(
        inArray(
          users.email,
          [...independent, ownExpert].map((x) => `expert-${x.slice(-12)}@demo.techex.cn`),
        ),
      );
    expect(accounts).toHaveLength(4);
    expect(accounts.every((a) => a.passwordHash === null)).toBe(true);
    // The owner's university was told, as after any evaluation.
    const inbox = await req('GET', '/v1/notifications?limit=100', w.owner);
    expect(
      inbox
        .json()
        .items.some(
          (n: { kind: string; data: { evaluationId?: string } }) =>
            n.kind === 'evaluation.concluded' && n.data.evaluationId === id,
        ),
    ).toBe(true);
  });
});
