/** Assessment rows (成果评价, 资产评估) on O1's published achievements; the panel is drawn from field 09. */

import { createActor } from '../actors.js';
import { listing } from './objects.js';
import { cells, type MatrixRow, ownerSide, publicScoped, signedIn } from './types.js';
import type { World } from './world.js';

const FIELD = '09';

/** An expert of the directory (an operator's entry, of no organisation). */
async function expert(w: World, field = FIELD): Promise<Record<string, string>> {
  const res = await w.as(w.users.operator, 'POST', '/v1/experts', { name: '矩阵评价专家', fields: [field] });
  return { id: res.json().id as string };
}

/** Three evaluators of field 09, each with an account of their own (none of the matrix's callers). */
const panel = (w: World) =>
  w.once('evaluators', async () => {
    for (let i = 0; i < 3; i++) {
      const e = await expert(w);
      const a = await createActor(w.ctx, { name: `矩阵评价专家${i}` });
      await w.as(w.users.operator, 'PUT', `/v1/evaluation-experts/${e.id}`, { userId: a.userId });
    }
    return {};
  });

export const achievement = (w: World) =>
  w.once('assessments:achievement', () => listing(w, 'achievement', 'published'));

export async function evaluation(w: World): Promise<Record<string, string>> {
  await panel(w);
  const a = await achievement(w);
  const res = await w.as(w.users.member, 'POST', '/v1/evaluations', {
    achievementId: a.id,
    field: FIELD,
    panelSize: 3,
  });
  return { id: res.json().id as string };
}

/** The achievement's owner side and operators may; everyone else who sees it is refused (403). */
const ownerOrOperator = (status: number) =>
  cells(403, {
    anonymous: 401,
    clientNoScope: 403,
    member: status,
    orgAdmin: status,
    client: status,
    operator: status,
  });

export const assessmentRows: MatrixRow[] = [
  {
    op: 'enrolEvaluationExpert',
    // Another field than the panel's: the stranger enrolled here must not sit on it.
    object: (w) => w.once('expert:enrol', () => expert(w, '01')),
    params: (o) => ({ expertId: o.id! }),
    body: (_o, w) => ({ userId: w.users.stranger.userId }),
    expect: signedIn(403, { operator: 200 }),
  },
  {
    op: 'createEvaluation',
    object: async (w) => {
      await panel(w);
      return achievement(w);
    },
    body: (o) => ({ achievementId: o.id, field: FIELD, panelSize: 3 }),
    expect: ownerOrOperator(201),
  },
  {
    op: 'getEvaluation',
    object: (w) => w.once('evaluation', () => evaluation(w)),
    params: (o) => ({ evaluationId: o.id! }),
    expect: ownerSide(200),
  },
  {
    op: 'submitEvaluationScores',
    object: (w) => w.once('evaluation', () => evaluation(w)),
    params: (o) => ({ evaluationId: o.id! }),
    body: () => ({ scores: { novelty: 80, advancement: 80, maturity: 80, market: 80, ip: 80 } }),
    // Only a panel expert scores, as themselves: none of the matrix's callers sits on the panel.
    expect: cells(404, {
      anonymous: 401,
      clientNoScope: 403,
      member: 403,
      orgAdmin: 403,
      client: 403,
      operator: 403,
    }),
  },
  {
    op: 'createValuation',
    object: achievement,
    body: (o) => ({
      achievementId: o.id,
      method: 'market',
      valueFen: 1_000_000,
      baseDate: '2026-01-05',
      reportSha256: 'ab'.repeat(32),
    }),
    expect: ownerOrOperator(201),
  },
  {
    op: 'getAchievementAssessments',
    object: achievement,
    params: (o) => ({ id: o.id! }),
    expect: publicScoped(200),
  },
];
