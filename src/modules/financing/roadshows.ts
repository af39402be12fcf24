/** Roadshows (路演): events, the achievements or projects presenting, the investors registered, matching. */
import { and, asc, desc, eq, gte, lt, ne, sql } from 'drizzle-orm';
import { actorOf } from '../../platform/audit.js';
import { authorize, can } from '../../platform/authz.js';
import { type DbOrTx, isUniqueViolation } from '../../platform/db.js';
import {
  ConflictError,
  NotFoundError,
  UnauthorizedError,
  UnprocessableError,
  ValidationError,
} from '../../platform/errors.js';
import type { Schema } from '../../platform/http/operations.js';
import { newId } from '../../platform/ids.js';
import { pageByIdDesc } from '../../platform/pagination.js';
import { actsFor, isOperator, type Principal } from '../../platform/principal.js';
import { findListingForInterest, getPublicListing, isPublic } from '../catalog/index.js';
import { findOrganisation } from '../identity/index.js';
import { notifyInTx } from '../notifications/index.js';
import { type FinancingDeps, recordChange } from './deps.js';
import { findInvestor } from './investors.js';
import { matchReasons, presentationTable, type ROADSHOW, roadshowTable } from './rules.js';
import {
  investorProfiles,
  roadshows as r,
  roadshowInvestors,
  roadshowPresentations as rp,
} from './schema.js';

export interface RoadshowInput {
  organiserOrganisationId?: string;
  title: string;
  description?: string;
  startsAt: string;
  endsAt: string;
  mode: 'online' | 'offline' | 'hybrid';
  place?: string;
  url?: string;
  fields?: string[];
}
export interface PresentationInput {
  achievementId?: string;
  title?: string;
  summary?: string;
  stage: string;
  askFen?: number;
  fields?: string[];
}
type RoadshowRow = typeof r.$inferSelect;
type PresentationRow = typeof rp.$inferSelect;
type RoadshowAction = keyof typeof ROADSHOW;

export async function findRoadshow(db: DbOrTx, id: string, opts: { lock?: boolean } = {}) {
  const q = db.select().from(r).where(eq(r.id, id));
  const [row] = opts.lock ? await q.for('update') : await q;
  if (!row) throw new NotFoundError();
  return row;
}

const roadshowSummary = (x: RoadshowRow): Schema<'RoadshowSummary'> => ({
  id: x.id,
  organiserOrganisationId: x.organiserOrganisationId,
  title: x.title,
  description: x.description,
  startsAt: x.startsAt.toISOString(),
  endsAt: x.endsAt.toISOString(),
  mode: x.mode,
  place: x.place,
  url: x.url,
  fields: x.fields,
  status: x.status,
  cancelReason: x.cancelReason,
  cancelledAt: x.cancelledAt?.toISOString() ?? null,
  createdAt: x.createdAt.toISOString(),
  updatedAt: x.updatedAt.toISOString(),
});

export const presentationView = (x: PresentationRow): Schema<'RoadshowPresentation'> => ({
  id: x.id,
  roadshowId: x.roadshowId,
  presenterOrganisationId: x.presenterOrganisationId,
  achievementId: x.achievementId,
  title: x.title,
  summary: x.summary,
  stage: x.stage,
  askFen: x.askFen,
  fields: x.fields,
  status: x.status,
  createdAt: x.createdAt.toISOString(),
  decidedAt: x.decidedAt?.toISOString() ?? null,
});

/** What holds a roadshow together, on create and after an edit: times in order, a place or a URL as the mode needs. */
function checkShape(x: {
  startsAt: string | Date;
  endsAt: string | Date;
  mode: string;
  place: string | null;
  url: string | null;
}) {
  const errors = [];
  if (new Date(x.startsAt) >= new Date(x.endsAt))
    errors.push({ field: 'body/endsAt', code: 'range', message: 'endsAt must be after startsAt' });
  if (x.mode !== 'online' && !x.place?.trim())
    errors.push({
      field: 'body/place',
      code: 'required',
      message: 'an offline or hybrid roadshow needs a place',
    });
  if (x.mode !== 'offline' && !x.url)
    errors.push({ field: 'body/url', code: 'required', message: 'an online or hybrid roadshow needs a URL' });
  if (errors.length) throw new ValidationError(errors);
}

export async function createRoadshow(
  deps: FinancingDeps,
  p: Principal | undefined,
  input: RoadshowInput,
  requestId?: string,
) {
  if (!p) throw new UnauthorizedError();
  const organiser = input.organiserOrganisationId ?? p.organisationId;
  if (!organiser) throw new UnprocessableError('financing-organiser-required');
  authorize(p, 'roadshow.create', organiser);
  if (!(await findOrganisation(deps.db, organiser)))
    throw new UnprocessableError('financing-organiser-required');
  checkShape({ ...input, place: input.place ?? null, url: input.url ?? null });
  const row = await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(r)
      .values({
        id: newId(),
        organiserOrganisationId: organiser,
        title: input.title,
        description: input.description ?? null,
        startsAt: new Date(input.startsAt),
        endsAt: new Date(input.endsAt),
        mode: input.mode,
        place: input.place ?? null,
        url: input.url ?? null,
        fields: [...new Set(input.fields ?? [])],
        createdBy: p.id,
      })
      .returning();
    // A public event: partners may list upcoming roadshows.
    await recordChange(tx, {
      actor: actorOf(p),
      event: 'roadshow.created',
      objectType: 'roadshow',
      objectId: row!.id,
      organisationIds: [organiser],
      data: { roadshowId: row!.id, startsAt: row!.startsAt.toISOString(), mode: row!.mode },
      requestId,
    });
    return row!;
  });
  deps.outbox.kick();
  return row;
}

/**
 * A roadshow as the caller sees it: everyone sees the event and the accepted presentations; the
 * organiser and operators also the pending and declined ones and the registered investors; a
 * presenter its own presentations.
 */
export async function getRoadshow(
  deps: FinancingDeps,
  p: Principal | undefined,
  id: string,
): Promise<Schema<'Roadshow'>> {
  const row = await findRoadshow(deps.db, id);
  const organises = can(p, 'roadshow.organise', row);
  const presentations = await deps.db
    .select()
    .from(rp)
    .where(eq(rp.roadshowId, id))
    .orderBy(asc(rp.id))
    .limit(200);
  const investors = await deps.db
    .select({ organisationId: roadshowInvestors.investorOrganisationId })
    .from(roadshowInvestors)
    .where(eq(roadshowInvestors.roadshowId, id))
    .orderBy(asc(roadshowInvestors.investorOrganisationId))
    .limit(500);
  return {
    ...roadshowSummary(row),
    presentations: presentations
      .filter((x) => x.status === 'accepted' || organises || actsFor(p, x.presenterOrganisationId))
      .map(presentationView),
    investorCount: investors.length,
    ...(organises ? { investorOrganisationIds: investors.map((i) => i.organisationId) } : {}),
    registered: !!p?.organisationId && investors.some((i) => i.organisationId === p.organisationId),
  };
}

/** Roadshows newest first; `upcoming=true` keeps those not yet ended. */
export async function listRoadshows(
  deps: FinancingDeps,
  q: { upcoming?: boolean; cursor?: string; limit?: number },
) {
  const where = q.upcoming ? and(gte(r.endsAt, sql`now()`), eq(r.status, 'scheduled')) : undefined;
  const page = await pageByIdDesc(
    deps.cursors,
    `roadshows:${q.upcoming ?? ''}`,
    q,
    (before, limit) =>
      deps.db
        .select()
        .from(r)
        .where(and(where, before ? lt(r.id, before) : undefined))
        .orderBy(desc(r.id))
        .limit(limit),
    (x) => x.id,
  );
  return { items: page.items.map(roadshowSummary), nextCursor: page.nextCursor };
}

/** The achievement's owner (or a verified organisation with a project) applies to present. */
export async function applyToPresent(
  deps: FinancingDeps,
  p: Principal | undefined,
  roadshowId: string,
  input: PresentationInput,
  requestId?: string,
) {
  authorize(p, 'roadshow.take-part', null);
  const org = p!.organisationId!;
  const roadshow = await findRoadshow(deps.db, roadshowId);
  if (roadshow.status === 'cancelled') throw new ConflictError('financing-roadshow-cancelled');
  let title = input.title;
  let fields = input.fields ?? [];
  if (input.achievementId) {
    const a = await findListingForInterest(deps.db, 'achievement', input.achievementId);
    if (!a || !isPublic(a.status) || a.organisationId !== org)
      throw new UnprocessableError('financing-achievement-not-own');
    const view = await getPublicListing(deps.db, 'achievement', a.id);
    title ??= a.title;
    // An achievement has one field (战略性新兴产业 code).
    if (!input.fields?.length) fields = typeof view?.field === 'string' ? [view.field] : [];
  }
  if (!title?.trim())
    throw new ValidationError([
      { field: 'body/title', code: 'required', message: 'a project needs a title' },
    ]);
  if (!fields.length)
    throw new ValidationError([
      { field: 'body/fields', code: 'required', message: 'name at least one field' },
    ]);
  try {
    const row = await deps.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(rp)
        .values({
          id: newId(),
          roadshowId,
          presenterOrganisationId: org,
          achievementId: input.achievementId ?? null,
          title,
          summary: input.summary ?? null,
          stage: input.stage,
          askFen: input.askFen ?? null,
          fields: [...new Set(fields)],
          createdBy: p!.id,
        })
        .returning();
      await recordChange(tx, {
        actor: actorOf(p),
        event: 'roadshow.presentation-applied',
        objectType: 'roadshow_presentation',
        objectId: row!.id,
        organisationIds: [org, roadshow.organiserOrganisationId],
        data: { roadshowId, presentationId: row!.id, achievementId: row!.achievementId, status: row!.status },
        requestId,
      });
      return row!;
    });
    deps.outbox.kick();
    return presentationView(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError('financing-already-presenting');
    throw err;
  }
}

export async function decidePresentation(
  deps: FinancingDeps,
  p: Principal | undefined,
  roadshowId: string,
  presentationId: string,
  decision: 'accept' | 'decline',
  requestId?: string,
) {
  const row = await deps.db.transaction(async (tx) => {
    const roadshow = await findRoadshow(tx, roadshowId);
    const [current] = await tx
      .select()
      .from(rp)
      .where(and(eq(rp.id, presentationId), eq(rp.roadshowId, roadshowId)))
      .for('update');
    if (!current) throw new NotFoundError();
    authorize(p, 'roadshow.organise', roadshow);
    const to = presentationTable.nextStatus(current.status, decision);
    const [row] = await tx
      .update(rp)
      .set({ status: to, decidedAt: new Date() })
      .where(eq(rp.id, presentationId))
      .returning();
    await recordChange(tx, {
      actor: actorOf(p),
      event: 'roadshow.presentation-decided',
      objectType: 'roadshow_presentation',
      objectId: presentationId,
      organisationIds: [current.presenterOrganisationId, roadshow.organiserOrganisationId],
      data: { roadshowId, presentationId, status: to },
      before: { status: current.status },
      requestId,
    });
    return row!;
  });
  deps.outbox.kick();
  return presentationView(row);
}

/** An investor (a verified organisation with an investor profile) registers for a roadshow. */
export async function registerInvestor(
  deps: FinancingDeps,
  p: Principal | undefined,
  roadshowId: string,
  requestId?: string,
) {
  authorize(p, 'roadshow.take-part', null);
  const org = p!.organisationId!;
  const roadshow = await findRoadshow(deps.db, roadshowId);
  if (roadshow.status === 'cancelled') throw new ConflictError('financing-roadshow-cancelled');
  if (!(await findInvestor(deps.db, org)))
    throw new UnprocessableError('financing-investor-profile-required');
  await deps.db.transaction(async (tx) => {
    const [inserted] = await tx
      .insert(roadshowInvestors)
      .values({ roadshowId, investorOrganisationId: org, registeredBy: p!.id })
      .onConflictDoNothing()
      .returning();
    if (!inserted) return;
    await recordChange(tx, {
      actor: actorOf(p),
      event: 'roadshow.investor-registered',
      objectType: 'roadshow',
      objectId: roadshowId,
      organisationIds: [org, roadshow.organiserOrganisationId],
      data: { roadshowId, investorOrganisationId: org },
      requestId,
    });
  });
  deps.outbox.kick();
  return getRoadshow(deps, p, roadshowId);
}

/**
 * Investor ↔ project matches of a roadshow, with reasons (rules.ts, `matchReasons`): registered
 * investors against accepted presentations. The organiser and operators see every pair; an
 * investor its own, a presenter those of its presentations; anyone else 403.
 */
export async function roadshowMatches(deps: FinancingDeps, p: Principal | undefined, roadshowId: string) {
  if (!p) throw new UnauthorizedError();
  const roadshow = await findRoadshow(deps.db, roadshowId);
  const all = can(p, 'roadshow.organise', roadshow);
  const presentations = await deps.db
    .select()
    .from(rp)
    .where(and(eq(rp.roadshowId, roadshowId), eq(rp.status, 'accepted')))
    .orderBy(asc(rp.id))
    .limit(200);
  const investors = await deps.db
    .select({ profile: investorProfiles })
    .from(roadshowInvestors)
    .innerJoin(
      investorProfiles,
      eq(investorProfiles.organisationId, roadshowInvestors.investorOrganisationId),
    )
    .where(eq(roadshowInvestors.roadshowId, roadshowId))
    .orderBy(asc(roadshowInvestors.investorOrganisationId))
    .limit(500);
  const mine = (orgId: string) => all || actsFor(p, orgId);
  const involved =
    all ||
    investors.some((i) => actsFor(p, i.profile.organisationId)) ||
    presentations.some((x) => actsFor(p, x.presenterOrganisationId));
  if (!involved && !isOperator(p)) authorize(p, 'roadshow.organise', roadshow);
  const items = [];
  for (const { profile } of investors)
    for (const x of presentations) {
      if (!mine(profile.organisationId) && !mine(x.presenterOrganisationId)) continue;
      const reasons = matchReasons(profile, x);
      if (!reasons.length) continue;
      items.push({
        investorOrganisationId: profile.organisationId,
        presentationId: x.id,
        presenterOrganisationId: x.presenterOrganisationId,
        title: x.title,
        score: reasons.length,
        reasons,
      });
    }
  items.sort((a, b) => b.score - a.score || a.presentationId.localeCompare(b.presentationId));
  return { roadshowId, items };
}

export async function findPresentation(db: DbOrTx, id: string) {
  const [row] = await db.select().from(rp).where(eq(rp.id, id));
  return row;
}

export type RoadshowPatch = Schema<'RoadshowPatch'>;
const EDITABLE = ['title', 'description', 'startsAt', 'endsAt', 'mode', 'place', 'url', 'fields'] as const;

/**
 * The step's common part, under the row lock: the caller organises the roadshow, the state
 * table allows the action, and the roadshow has not started yet.
 */
async function lockForStep(
  tx: DbOrTx,
  p: Principal | undefined,
  id: string,
  action: RoadshowAction,
  now: Date,
) {
  const current = await findRoadshow(tx, id, { lock: true });
  authorize(p, 'roadshow.organise', current);
  roadshowTable.nextStatus(current.status, action);
  if (current.startsAt <= now) throw new ConflictError('financing-roadshow-started');
  return current;
}

/** Everyone a roadshow's change concerns: its organiser, presenters and registered investors. */
async function audienceOf(tx: DbOrTx, roadshowId: string) {
  const presenters = await tx
    .selectDistinct({ organisationId: rp.presenterOrganisationId })
    .from(rp)
    .where(and(eq(rp.roadshowId, roadshowId), ne(rp.status, 'declined')));
  const investors = await tx
    .select({ organisationId: roadshowInvestors.investorOrganisationId })
    .from(roadshowInvestors)
    .where(eq(roadshowInvestors.roadshowId, roadshowId));
  return {
    presenters: presenters.map((x) => x.organisationId),
    investors: investors.map((x) => x.organisationId),
  };
}

/** One inbox line per presenting and registered organisation (not the organiser: it acted). */
async function tellParticipants(
  tx: DbOrTx,
  row: RoadshowRow,
  kind: 'roadshow.updated' | 'roadshow.cancelled',
  title: string,
  data: Record<string, unknown>,
  orgs: { presenters: string[]; investors: string[] },
) {
  const recipients = [...new Set([...orgs.investors, ...orgs.presenters])].filter(
    (o) => o !== row.organiserOrganisationId,
  );
  await notifyInTx(
    tx,
    recipients.map((organisationId) => ({
      recipient: { organisationId },
      kind,
      title: `${title}：${row.title}`,
      data,
      dedupKey: `${kind}:${row.id}:${row.updatedAt.toISOString()}:${organisationId}`,
    })),
  );
}

/**
 * The organiser edits a scheduled roadshow before it starts: only the fields sent change, the
 * result is checked like a new one, and a new start may not be in the past.
 */
export async function updateRoadshow(
  deps: FinancingDeps,
  p: Principal | undefined,
  id: string,
  patch: RoadshowPatch,
  requestId?: string,
) {
  if (!p) throw new UnauthorizedError();
  const now = new Date();
  const row = await deps.db.transaction(async (tx) => {
    const current = await lockForStep(tx, p, id, 'edit', now);
    const next = {
      title: patch.title ?? current.title,
      description: patch.description === undefined ? current.description : patch.description,
      startsAt: patch.startsAt ? new Date(patch.startsAt) : current.startsAt,
      endsAt: patch.endsAt ? new Date(patch.endsAt) : current.endsAt,
      mode: patch.mode ?? current.mode,
      place: patch.place === undefined ? current.place : patch.place,
      url: patch.url === undefined ? current.url : patch.url,
      fields: patch.fields ? [...new Set(patch.fields)] : current.fields,
    };
    if (patch.startsAt && next.startsAt <= now)
      throw new ValidationError([
        { field: 'body/startsAt', code: 'past', message: 'a roadshow cannot be moved into the past' },
      ]);
    checkShape(next);
    const changed = EDITABLE.filter((k) => JSON.stringify(next[k]) !== JSON.stringify(current[k]));
    if (!changed.length) return current;
    const [row] = await tx
      .update(r)
      .set({ ...next, updatedAt: sql`now()` })
      .where(eq(r.id, id))
      .returning();
    const orgs = await audienceOf(tx, id);
    const data = { roadshowId: id, changedFields: changed, startsAt: row!.startsAt.toISOString() };
    await recordChange(tx, {
      actor: actorOf(p),
      event: 'roadshow.updated',
      objectType: 'roadshow',
      objectId: id,
      organisationIds: [current.organiserOrganisationId, ...orgs.presenters, ...orgs.investors],
      data,
      before: Object.fromEntries(changed.map((k) => [k, current[k]])),
      requestId,
    });
    await tellParticipants(tx, row!, 'roadshow.updated', '路演信息已变更', data, orgs);
    return row!;
  });
  deps.outbox.kick();
  return getRoadshow(deps, p, row.id);
}

/** The organiser cancels a scheduled roadshow before it starts: registrations close, participants are told. */
export async function cancelRoadshow(
  deps: FinancingDeps,
  p: Principal | undefined,
  id: string,
  reason: string,
  requestId?: string,
) {
  if (!p) throw new UnauthorizedError();
  if (!reason.trim())
    throw new ValidationError([{ field: 'body/reason', code: 'required', message: 'a reason is required' }]);
  const now = new Date();
  await deps.db.transaction(async (tx) => {
    const current = await lockForStep(tx, p, id, 'cancel', now);
    const [row] = await tx
      .update(r)
      .set({
        status: roadshowTable.nextStatus(current.status, 'cancel'),
        cancelReason: reason.trim(),
        cancelledAt: now,
        updatedAt: sql`now()`,
      })
      .where(eq(r.id, id))
      .returning();
    const orgs = await audienceOf(tx, id);
    const data = { roadshowId: id, status: row!.status };
    await recordChange(tx, {
      actor: actorOf(p),
      event: 'roadshow.cancelled',
      objectType: 'roadshow',
      objectId: id,
      organisationIds: [current.organiserOrganisationId, ...orgs.presenters, ...orgs.investors],
      data,
      before: { status: current.status },
      requestId,
    });
    await tellParticipants(tx, row!, 'roadshow.cancelled', '路演已取消', data, orgs);
  });
  deps.outbox.kick();
  return getRoadshow(deps, p, id);
}
