/** Investor profiles (投资机构): a verified organisation states the stages, fields and ticket sizes it invests in. */
import { and, arrayOverlaps, asc, eq, gt, gte, lte, sql } from 'drizzle-orm';
import { actorOf } from '../../platform/audit.js';
import { authorize } from '../../platform/authz.js';
import type { DbOrTx } from '../../platform/db.js';
import { NotFoundError, UnprocessableError, ValidationError } from '../../platform/errors.js';
import { clampLimit, paginate } from '../../platform/pagination.js';
import type { Principal } from '../../platform/principal.js';
import { findOrganisation } from '../identity/index.js';
import { type FinancingDeps, recordChange } from './deps.js';
import { investorProfiles as ip } from './schema.js';

export interface InvestorInput {
  stages: string[];
  fields: string[];
  ticketMinFen: number;
  ticketMaxFen: number;
  description?: string;
}
type ProfileRow = typeof ip.$inferSelect;

export async function investorView(db: DbOrTx, r: ProfileRow) {
  const org = await findOrganisation(db, r.organisationId);
  return {
    organisationId: r.organisationId,
    organisationName: org?.name ?? null,
    stages: r.stages,
    fields: r.fields,
    ticketMinFen: r.ticketMinFen,
    ticketMaxFen: r.ticketMaxFen,
    description: r.description,
    updatedAt: r.updatedAt.toISOString(),
  };
}

export async function findInvestor(db: DbOrTx, organisationId: string): Promise<ProfileRow | undefined> {
  const [row] = await db.select().from(ip).where(eq(ip.organisationId, organisationId));
  return row;
}

/** Create or replace the profile; only a verified organisation may invest through the exchange. */
export async function putInvestor(
  deps: FinancingDeps,
  p: Principal | undefined,
  organisationId: string,
  input: InvestorInput,
  requestId?: string,
) {
  authorize(p, 'investor.edit', organisationId);
  if (input.ticketMinFen > input.ticketMaxFen)
    throw new ValidationError([
      { field: 'body/ticketMinFen', code: 'range', message: 'ticketMinFen must not exceed ticketMaxFen' },
    ]);
  const org = await findOrganisation(deps.db, organisationId);
  if (!org) throw new NotFoundError();
  if (org.verificationStatus !== 'verified')
    throw new UnprocessableError('financing-organisation-unverified');
  const values = {
    stages: [...new Set(input.stages)],
    fields: [...new Set(input.fields)],
    ticketMinFen: input.ticketMinFen,
    ticketMaxFen: input.ticketMaxFen,
    description: input.description ?? null,
    updatedBy: p!.id,
  };
  const row = await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(ip)
      .values({ organisationId, ...values })
      .onConflictDoUpdate({ target: ip.organisationId, set: { ...values, updatedAt: sql`now()` } })
      .returning();
    await recordChange(tx, {
      actor: actorOf(p),
      event: 'investor.updated',
      objectType: 'investor_profile',
      objectId: organisationId,
      organisationIds: [organisationId],
      data: { organisationId, stages: values.stages, fields: values.fields },
      requestId,
    });
    return row!;
  });
  deps.outbox.kick();
  return investorView(deps.db, row);
}

export async function getInvestor(deps: FinancingDeps, organisationId: string) {
  const row = await findInvestor(deps.db, organisationId);
  if (!row) throw new NotFoundError();
  return investorView(deps.db, row);
}

/** Public directory of investors, by organisation id; filters by stage, field and a ticket amount. */
export async function listInvestors(
  deps: FinancingDeps,
  q: { stage?: string; field?: string; amountFen?: number; cursor?: string; limit?: number },
) {
  const list = `investors:${q.stage ?? ''}:${q.field ?? ''}:${q.amountFen ?? ''}`;
  const after = deps.cursors.decode(list, q.cursor)?.[0] as string | undefined;
  const page = await paginate(
    deps.cursors,
    list,
    clampLimit(q.limit),
    (n) =>
      deps.db
        .select()
        .from(ip)
        .where(
          and(
            q.stage ? arrayOverlaps(ip.stages, [q.stage]) : undefined,
            q.field ? arrayOverlaps(ip.fields, [q.field]) : undefined,
            q.amountFen !== undefined
              ? and(lte(ip.ticketMinFen, q.amountFen), gte(ip.ticketMaxFen, q.amountFen))
              : undefined,
            after ? gt(ip.organisationId, after) : undefined,
          ),
        )
        .orderBy(asc(ip.organisationId))
        .limit(n),
    (r) => [r.organisationId],
  );
  const items = [];
  for (const r of page.items) items.push(await investorView(deps.db, r));
  return { items, nextCursor: page.nextCursor };
}
