/**
 * 成果评价 (panel evaluation) and 资产评估 (valuation) of achievements, and how the achievement
 * shows them (GET /v1/achievements/{id}/assessments).
 */
import { randomInt } from 'node:crypto';
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { actorOf, recordAudit } from '../../platform/audit.js';
import { authorize, check } from '../../platform/authz.js';
import { type DbOrTx, isForeignKeyViolation } from '../../platform/db.js';
import { ConflictError, NotFoundError, UnprocessableError } from '../../platform/errors.js';
import type { Schema } from '../../platform/http/operations.js';
import { newId } from '../../platform/ids.js';
import type { Principal } from '../../platform/principal.js';
import { type CatalogDeps, getDirectoryEntries, getListing } from '../catalog/index.js';
import { findOrganisation } from '../identity/index.js';
import { emitEventInTx } from '../integration/index.js';
import { notifyInTx } from '../notifications/index.js';
import './messages.js';
import type { EvaluationRef } from './policies.js';
import './policies.js';
import { conclude, INDICATORS, type Indicator, LEVELS, PANEL, validUntil } from './rules.js';
import {
  achievementEvaluations as ev,
  evaluationExperts,
  evaluationPanelMembers as pm,
  achievementValuations as val,
} from './schema.js';

export type AssessmentDeps = CatalogDeps & { now?: () => Date };

type EvaluationRow = typeof ev.$inferSelect;
type MemberRow = typeof pm.$inferSelect;
type ValuationRow = typeof val.$inferSelect;

/** The achievement as the caller sees it (404 when they may not), with its owner. */
async function visibleAchievement(deps: AssessmentDeps, p: Principal | undefined, id: string) {
  const view = await getListing(deps, p, 'achievement', id);
  return { view, organisationId: view.organisationId as string };
}

/** Enrol a directory expert as an evaluator, scoring under the given account. */
export async function enrolExpert(
  deps: AssessmentDeps,
  p: Principal | undefined,
  expertId: string,
  userId: string,
  requestId?: string,
) {
  authorize(p, 'evaluation.enrol', null);
  const [expert] = await getDirectoryEntries(deps.db, 'expert', [expertId]);
  if (!expert) throw new NotFoundError('evaluation-expert-not-found');
  try {
    await deps.db.transaction(async (tx) => {
      await tx
        .insert(evaluationExperts)
        .values({ expertId, userId, enrolledBy: p!.id })
        .onConflictDoUpdate({ target: evaluationExperts.expertId, set: { userId, enrolledBy: p!.id } });
      await recordAudit(tx, {
        actor: actorOf(p),
        action: 'evaluation.expert-enrolled',
        objectType: 'expert',
        objectId: expertId,
        after: { userId },
        requestId,
      });
    });
  } catch (err) {
    if (isForeignKeyViolation(err)) throw new NotFoundError('evaluation-expert-not-found');
    throw err;
  }
  return { expertId, userId, name: expert.name, organisationId: expert.organisationId };
}

export interface EvaluationInput {
  achievementId: string;
  field: string;
  buyerOrganisationId?: string;
  panelSize?: number;
}

/**
 * Order an evaluation: a panel drawn at random from the enrolled experts of the field, leaving
 * out (and recording) every expert of the owner's or the buyer's organisation.
 */
export async function requestEvaluation(
  deps: AssessmentDeps,
  p: Principal | undefined,
  input: EvaluationInput,
  requestId?: string,
) {
  const { view, organisationId } = await visibleAchievement(deps, p, input.achievementId);
  authorize(p, 'evaluation.request', { organisationId });
  if (input.buyerOrganisationId && !(await findOrganisation(deps.db, input.buyerOrganisationId)))
    throw new UnprocessableError('evaluation-buyer-not-found');
  const size = input.panelSize ?? PANEL.default;
  const enrolled = await deps.db.select().from(evaluationExperts).orderBy(sql`random()`).limit(1000);
  const userOf = new Map(enrolled.map((e) => [e.expertId, e.userId]));
  const entries = await getDirectoryEntries(
    deps.db,
    'expert',
    enrolled.map((e) => e.expertId),
  );
  const inField = entries.flatMap((e) => (e.type === 'expert' && e.fields.includes(input.field) ? [e] : []));
  const conflicted = new Map<string | null, string>([
    [organisationId, 'owner_organisation'],
    ...(input.buyerOrganisationId ? [[input.buyerOrganisationId, 'buyer_organisation'] as const] : []),
  ]);
  const conflicts = inField
    .filter((e) => e.organisationId && conflicted.has(e.organisationId))
    .map((e) => ({
      expertId: e.id,
      organisationId: e.organisationId,
      reason: conflicted.get(e.organisationId)!,
    }));
  const eligible = shuffle(inField.filter((e) => !(e.organisationId && conflicted.has(e.organisationId))));
  if (eligible.length < size)
    throw new UnprocessableError('evaluation-panel-too-small', {
      field: input.field,
      available: eligible.length,
      needed: size,
    });
  const panel = eligible.slice(0, size);
  const id = newId();
  await deps.db.transaction(async (tx) => {
    await tx.insert(ev).values({
      id,
      achievementId: input.achievementId,
      ownerOrganisationId: organisationId,
      buyerOrganisationId: input.buyerOrganisationId ?? null,
      field: input.field,
      conflicts,
      requestedBy: p!.id,
    });
    await tx.insert(pm).values(
      panel.map((e) => ({
        evaluationId: id,
        expertId: e.id,
        userId: userOf.get(e.id)!,
        expertName: e.name,
      })),
    );
    await recordAudit(tx, {
      actor: actorOf(p),
      action: 'evaluation.requested',
      objectType: 'evaluation',
      objectId: id,
      after: { achievementId: input.achievementId, panel: panel.map((e) => e.id), conflicts },
      requestId,
    });
    await notifyInTx(
      tx,
      panel.map((e) => ({
        recipient: { userId: userOf.get(e.id)! },
        kind: 'evaluation.panel',
        title: `请为成果评价打分：${view.title as string}`,
        data: { evaluationId: id, achievementId: input.achievementId },
        dedupKey: `evaluation:${id}:panel:${e.id}`,
      })),
    );
  });
  deps.outbox.kick();
  return getEvaluation(deps, p, id);
}

function shuffle<T>(xs: T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

async function loadEvaluation(db: DbOrTx, id: string, lock = false) {
  const q = db.select().from(ev).where(eq(ev.id, id));
  const [row] = lock ? await q.for('update') : await q;
  if (!row) throw new NotFoundError();
  const members = await db.select().from(pm).where(eq(pm.evaluationId, id)).orderBy(asc(pm.expertId));
  const ref: EvaluationRef = { ...row, panelUserIds: members.map((m) => m.userId) };
  return { row, members, ref };
}

const levelName = (level: string | null) => LEVELS.find((l) => l.level === level)?.name ?? null;

/** The public summary of a concluded evaluation (no expert identities, no individual scores). */
function summary(r: EvaluationRow, panelSize: number): Schema<'EvaluationSummary'> {
  return {
    id: r.id,
    achievementId: r.achievementId,
    field: r.field,
    status: r.status,
    panelSize,
    score: r.scoreX100 === null ? null : r.scoreX100 / 100,
    indicatorMeans: r.indicatorMeansX100
      ? Object.fromEntries(
          Object.entries(r.indicatorMeansX100 as Record<string, number>).map(([k, v]) => [k, v / 100]),
        )
      : null,
    level: r.level,
    levelName: levelName(r.level),
    conclusion: r.conclusion,
    createdAt: r.createdAt.toISOString(),
    concludedAt: r.concludedAt?.toISOString() ?? null,
  };
}

/** An evaluation as its parties see it: the panel (who has scored), the recorded conflicts. */
export async function getEvaluation(
  deps: AssessmentDeps,
  p: Principal | undefined,
  id: string,
): Promise<Schema<'EvaluationDetail'>> {
  const { row, members, ref } = await loadEvaluation(deps.db, id);
  authorize(p, 'evaluation.read', ref);
  return {
    ...summary(row, members.length),
    ownerOrganisationId: row.ownerOrganisationId,
    buyerOrganisationId: row.buyerOrganisationId,
    panel: members.map((m: MemberRow) => ({
      expertId: m.expertId,
      name: m.expertName,
      submitted: m.submittedAt !== null,
      ...(p?.kind === 'user' && m.userId === p.id && m.scores
        ? { scores: m.scores as Schema<'EvaluationScores'> } // written by submitScores, one per indicator
        : {}),
    })),
    conflicts: row.conflicts as Schema<'EvaluationDetail'>['conflicts'], // written by requestEvaluation only
  };
}

/** A panel expert's own scores, once; the last one concludes the evaluation. */
export async function submitScores(
  deps: AssessmentDeps,
  p: Principal | undefined,
  id: string,
  input: { scores: Record<Indicator, number>; comment?: string },
  requestId?: string,
) {
  const now = deps.now?.() ?? new Date();
  await deps.db.transaction(async (tx) => {
    const { row, members, ref } = await loadEvaluation(tx, id, true);
    authorize(p, 'evaluation.score', ref);
    if (row.status === 'concluded') throw new ConflictError('evaluation-concluded');
    const seat = members.find((m) => m.userId === p!.id)!;
    if (seat.submittedAt) throw new ConflictError('evaluation-scores-submitted');
    const scores = Object.fromEntries(Object.keys(INDICATORS).map((k) => [k, input.scores[k as Indicator]]));
    await tx
      .update(pm)
      .set({ scores, comment: input.comment ?? null, submittedAt: now })
      .where(and(eq(pm.evaluationId, id), eq(pm.expertId, seat.expertId)));
    await recordAudit(tx, {
      actor: actorOf(p),
      action: 'evaluation.scored',
      objectType: 'evaluation',
      objectId: id,
      after: { expertId: seat.expertId },
      requestId,
    });
    const all = members.map((m) => (m.expertId === seat.expertId ? scores : m.scores));
    if (all.some((s) => !s)) return;
    const result = conclude(all as Record<Indicator, number>[]);
    await tx
      .update(ev)
      .set({ status: 'concluded', concludedAt: now, ...result })
      .where(eq(ev.id, id));
    await recordAudit(tx, {
      actor: actorOf(p),
      action: 'evaluation.concluded',
      objectType: 'evaluation',
      objectId: id,
      after: { scoreX100: result.scoreX100, level: result.level },
      requestId,
    });
    const orgs = [row.ownerOrganisationId, ...(row.buyerOrganisationId ? [row.buyerOrganisationId] : [])];
    const data = {
      evaluationId: id,
      achievementId: row.achievementId,
      level: result.level,
      score: result.scoreX100 / 100,
    };
    await notifyInTx(
      tx,
      orgs.map((organisationId) => ({
        recipient: { organisationId },
        kind: 'evaluation.concluded',
        title: `成果评价完成：${result.conclusion}`,
        data,
        dedupKey: `evaluation:${id}:concluded:${organisationId}`,
      })),
    );
    await emitEventInTx(tx, { type: 'evaluation.concluded', subjectId: id, organisationIds: orgs, data });
  });
  deps.outbox.kick();
  return getEvaluation(deps, p, id);
}

export interface ValuationInput {
  achievementId: string;
  method: 'income' | 'market' | 'cost';
  valueFen?: number;
  minFen?: number;
  maxFen?: number;
  baseDate: string;
  reportSha256: string;
  appraiser?: string;
}

function valuationView(r: ValuationRow, today: string): Schema<'Valuation'> {
  return {
    id: r.id,
    achievementId: r.achievementId,
    method: r.method,
    valueFen: r.valueFen,
    // min and max are both set or both null (achievement_valuations_value_check)
    range: r.minFen === null || r.maxFen === null ? null : { minFen: r.minFen, maxFen: r.maxFen },
    baseDate: r.baseDate,
    validUntil: r.validUntil,
    valid: today >= r.baseDate && today <= r.validUntil,
    reportSha256: r.reportSha256,
    appraiser: r.appraiser,
    createdAt: r.createdAt.toISOString(),
  };
}

/** The China date of an instant (valuations are valid by calendar date). */
const chinaToday = (now: Date) => new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);

/** Record a valuation (资产评估) of the owner's achievement; the report itself stays outside (its SHA-256 only). */
export async function recordValuation(
  deps: AssessmentDeps,
  p: Principal | undefined,
  input: ValuationInput,
  requestId?: string,
) {
  const { organisationId } = await visibleAchievement(deps, p, input.achievementId);
  authorize(p, 'valuation.record', { organisationId });
  const single = input.valueFen !== undefined;
  const range = input.minFen !== undefined && input.maxFen !== undefined;
  if (single === range || (range && input.minFen! > input.maxFen!) || (!single && !range))
    throw new UnprocessableError('valuation-value-required');
  if (
    Number.isNaN(Date.parse(`${input.baseDate}T00:00:00Z`)) ||
    new Date(`${input.baseDate}T00:00:00Z`).toISOString().slice(0, 10) !== input.baseDate
  )
    throw new UnprocessableError('valuation-base-date');
  const now = deps.now?.() ?? new Date();
  if (input.baseDate > chinaToday(now)) throw new UnprocessableError('valuation-base-date');
  const row = await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(val)
      .values({
        id: newId(),
        achievementId: input.achievementId,
        organisationId,
        method: input.method,
        valueFen: single ? input.valueFen! : null,
        minFen: range ? input.minFen! : null,
        maxFen: range ? input.maxFen! : null,
        baseDate: input.baseDate,
        validUntil: validUntil(input.baseDate),
        reportSha256: input.reportSha256.toLowerCase(),
        appraiser: input.appraiser ?? null,
        createdBy: p!.id,
      })
      .returning();
    await recordAudit(tx, {
      actor: actorOf(p),
      action: 'valuation.recorded',
      objectType: 'valuation',
      objectId: row!.id,
      after: valuationView(row!, chinaToday(now)),
      requestId,
    });
    await emitEventInTx(tx, {
      type: 'valuation.recorded',
      subjectId: row!.id,
      organisationIds: [organisationId],
      data: { valuationId: row!.id, achievementId: input.achievementId, baseDate: input.baseDate },
    });
    return row!;
  });
  deps.outbox.kick();
  return valuationView(row, chinaToday(now));
}

/**
 * What the achievement shows: its concluded evaluations (public summary) to whoever sees the
 * achievement, and its valuations to those who see its detailed (confidential) fields — the
 * catalog's own `listing.confidential` rule, asked of the caller.
 */
export async function achievementAssessments(deps: AssessmentDeps, p: Principal | undefined, id: string) {
  const { view } = await visibleAchievement(deps, p, id);
  const evaluations = await deps.db
    .select({
      row: ev,
      panelSize: sql<number>`(SELECT count(*)::int FROM ${pm} WHERE ${pm.evaluationId} = ${ev.id})`,
    })
    .from(ev)
    .where(and(eq(ev.achievementId, id), eq(ev.status, 'concluded')))
    .orderBy(desc(ev.id))
    .limit(20);
  const details = check(p, 'listing.confidential', { ...view, ndaAccepted: view.ndaAccepted }) === 'allow';
  const today = chinaToday(deps.now?.() ?? new Date());
  const valuations = details
    ? await deps.db.select().from(val).where(eq(val.achievementId, id)).orderBy(desc(val.id)).limit(20)
    : [];
  return {
    achievementId: id,
    evaluations: evaluations.map((e) => summary(e.row, e.panelSize)),
    valuationsVisible: details,
    valuations: valuations.map((v) => valuationView(v, today)),
  };
}
