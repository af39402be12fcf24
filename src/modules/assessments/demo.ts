/**
 * Demo data on embedded defaults (SEED_DEMO, never in production): one concluded 成果评价 on a
 * demo achievement, made through this module's service layer as the API would make it. The
 * demo experts of the achievement's field get accounts (the demo password, like the other demo
 * people) and are enrolled; the panel is drawn with the owner's experts left out (recorded as
 * conflicts); each panel expert scores as themselves. Once: nothing when a demo evaluation exists.
 */
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../platform/db.js';
import type { Principal } from '../../platform/principal.js';
import { listDirectoryExperts, listPublicListings } from '../catalog/index.js';
import { ensureDemoPeople, isLoopbackHost } from '../identity/index.js';
import type { Indicator } from './rules.js';
import { achievementEvaluations, evaluationPanelMembers } from './schema.js';
import { type AssessmentDeps, enrolExpert, requestEvaluation, submitScores } from './service.js';

const SEED_ID = 'techex-demo-seed';
const PANEL_SIZE = 3;
/** The seed acts as an operator would (enrol, order); audited under its own id. */
const SEED: Principal = {
  kind: 'client',
  id: SEED_ID,
  orgVerified: false,
  roles: ['operator'],
  registrarSubCentres: [],
  scopes: new Set(),
};
const expertPrincipal = (userId: string): Principal => ({
  kind: 'user',
  id: userId,
  orgVerified: false,
  roles: [],
  registrarSubCentres: [],
  scopes: new Set(),
});

/** Each seat's score sheet (0–100 per indicator): a 国内领先 result, as a demo should show. */
const SHEETS: { scores: Record<Indicator, number>; comment: string }[] = [
  {
    scores: { novelty: 82, advancement: 78, maturity: 70, market: 76, ip: 80 },
    comment: '创新性突出，中试数据尚需补充',
  },
  {
    scores: { novelty: 75, advancement: 72, maturity: 68, market: 80, ip: 74 },
    comment: '市场前景良好，工艺稳定性待验证',
  },
  { scores: { novelty: 78, advancement: 74, maturity: 72, market: 70, ip: 78 }, comment: '专利布局较完整' },
];

export interface DemoEvaluationOptions {
  /** Candidate achievements (default: the public ones, in id order; the first that fits is used). */
  achievementIds?: string[];
  /** Only these directory experts get accounts and are enrolled (default: every expert of the field). */
  expertIds?: string[];
  /** The experts' accounts get the published demo password (only when listening on loopback). */
  signIn?: boolean;
}

type Candidate = { id: string; field: string; organisationId: string };
type DirectoryExpert = { id: string; name: string; organisationId?: string };

/**
 * The achievement to evaluate and the experts of its field: the first candidate whose field has
 * enough experts outside the owner's organisation, preferring one where an expert of the owner's
 * own organisation exists (so the demo shows a recorded conflict of interest).
 */
async function choose(deps: AssessmentDeps, candidates: Candidate[], only?: Set<string>) {
  const byField = new Map<string, DirectoryExpert[]>();
  const expertsOf = async (field: string) => {
    if (!byField.has(field)) {
      const page = await listDirectoryExperts(deps, { field, limit: 100 });
      byField.set(
        field,
        page.items.filter((e) => !only || only.has(e.id)),
      );
    }
    return byField.get(field)!;
  };
  let fallback: { achievement: Candidate; experts: DirectoryExpert[] } | undefined;
  for (const a of candidates) {
    const experts = await expertsOf(a.field);
    const outside = experts.filter((e) => e.organisationId !== a.organisationId);
    if (outside.length < PANEL_SIZE) continue;
    if (outside.length < experts.length) return { achievement: a, experts };
    fallback ??= { achievement: a, experts };
  }
  return fallback;
}

async function candidatesOf(deps: AssessmentDeps, ids?: string[]): Promise<Candidate[]> {
  const views = await listPublicListings(deps.db, 'achievement', { limit: 1000 });
  const wanted = ids ? new Set(ids) : undefined;
  return views.flatMap((v) =>
    typeof v.id === 'string' &&
    typeof v.field === 'string' &&
    typeof v.organisationId === 'string' &&
    (!wanted || wanted.has(v.id))
      ? [{ id: v.id, field: v.field, organisationId: v.organisationId }]
      : [],
  );
}

/** Seed the demo evaluation; its id and achievement, or undefined when one exists or nothing fits. */
export async function seedDemoEvaluation(
  db: Db,
  deps: Omit<AssessmentDeps, 'db'>,
  opts: DemoEvaluationOptions = {},
): Promise<{ evaluationId: string; achievementId: string } | undefined> {
  return db.transaction(async (tx) => {
    // Processes starting together: one seeds, the others then find its evaluation and skip.
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('techex-demo-assessments'))`);
    const [done] = await tx
      .select({ id: achievementEvaluations.id })
      .from(achievementEvaluations)
      .where(eq(achievementEvaluations.requestedBy, SEED_ID))
      .limit(1);
    if (done) return undefined;
    // The service layer opens its own transactions: on this handle they are savepoints, so the
    // whole demo evaluation commits (or not) at once. The outbox is kicked by the caller after.
    const txDeps: AssessmentDeps = { ...deps, db: tx as unknown as Db, outbox: { kick: () => undefined } };
    const chosen = await choose(
      txDeps,
      await candidatesOf(txDeps, opts.achievementIds),
      opts.expertIds ? new Set(opts.expertIds) : undefined,
    );
    if (!chosen) return undefined;
    const { achievement, experts } = chosen;
    const userIds = await ensureDemoPeople(
      tx,
      experts.map((e) => ({ email: `expert-${e.id.slice(-12)}@demo.techex.cn`, name: e.name })),
      { signIn: opts.signIn ?? false },
    );
    for (const [i, e] of experts.entries()) await enrolExpert(txDeps, SEED, e.id, userIds[i]!);
    const evaluation = await requestEvaluation(txDeps, SEED, {
      achievementId: achievement.id,
      field: achievement.field,
      panelSize: PANEL_SIZE,
    });
    const seats = await tx
      .select({ userId: evaluationPanelMembers.userId })
      .from(evaluationPanelMembers)
      .where(eq(evaluationPanelMembers.evaluationId, evaluation.id));
    for (const [i, seat] of seats.entries())
      await submitScores(txDeps, expertPrincipal(seat.userId), evaluation.id, SHEETS[i % SHEETS.length]!);
    return { evaluationId: evaluation.id, achievementId: achievement.id };
  });
}

export async function seedAssessmentsOnStart(
  deps: AssessmentDeps,
  config: { seedDemo: boolean; env: string; host: string },
  logger: { info(obj: object, msg: string): void },
  opts: DemoEvaluationOptions = {},
): Promise<void> {
  if (!config.seedDemo || config.env === 'production') return;
  // Like the other demo accounts: a published password only while nobody else can reach us.
  const seeded = await seedDemoEvaluation(deps.db, deps, { signIn: isLoopbackHost(config.host), ...opts });
  if (!seeded) return;
  deps.outbox.kick();
  logger.info(seeded, 'seeded a demo evaluation (GET /v1/achievements/{achievementId}/assessments)');
}
