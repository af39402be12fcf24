import { and, asc, desc, eq, getTableColumns, gt, inArray, lt, or, type SQL, sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../platform/db.js';
import { joinText, raw, runText, type Text, text } from '../../platform/statement.js';
import { usersWithRole } from '../identity/index.js';
import type { ContractStatus } from './rules.js';
import { contractRegistrationCounters, technologyContracts } from './schema.js';
import type { ContractInput, PartyInput, PaymentInput } from './validation.js';

export type ContractRow = typeof technologyContracts.$inferSelect;
type ContractColumns = Omit<
  typeof technologyContracts.$inferInsert,
  'id' | 'organisationId' | 'subCentreId' | 'createdBy'
>;

/**
 * The application as columns (what an applicant may write while it is a draft or returned).
 * Its keys are the application's columns (`ApplicationColumns`): `draftRow` takes them from here
 * and lists only the others, so no column is listed twice.
 */
export function toColumns(c: ContractInput) {
  return {
    type: c.type,
    subtype: c.subtype,
    projectName: c.projectName.trim(),
    signingDate: c.signingDate,
    validFrom: c.validFrom,
    validTo: c.validTo,
    technologyField: c.technologyField,
    imported: c.imported ?? false,
    disputed: c.disputed ?? false,
    seller: c.seller,
    buyer: c.buyer,
    achievementIds: c.achievementIds ?? [],
    patentNumbers: c.patentNumbers ?? [],
    details: {
      ipRegistrationNumbers: c.ipRegistrationNumbers ?? [],
      licenceType: c.licenceType ?? null,
      licenceTermMonths: c.licenceTermMonths ?? null,
      investeeName: c.investeeName ?? null,
      relatedToTransferOrDevelopment: c.relatedToTransferOrDevelopment ?? false,
    },
    contractValueFen: c.contractValueFen,
    nonTechnicalCostsFen: c.nonTechnicalCostsFen,
    payment: c.payment,
    documentSha256: c.documentSha256,
    transferInstitutionId: c.transferInstitutionId ?? null,
    techManagerIds: c.techManagerIds ?? [],
  } satisfies ContractColumns;
}
export type ApplicationColumns = ReturnType<typeof toColumns>;

interface Details {
  ipRegistrationNumbers: string[];
  licenceType: ContractInput['licenceType'] | null;
  licenceTermMonths: number | null;
  investeeName: string | null;
  relatedToTransferOrDevelopment: boolean;
}

/** The row back as an application (for amendments: merge changes, validate again). */
export function toInput(r: ContractRow): ContractInput {
  const d = r.details as Details;
  return {
    type: r.type,
    subtype: r.subtype,
    projectName: r.projectName,
    signingDate: r.signingDate,
    validFrom: r.validFrom,
    validTo: r.validTo,
    technologyField: r.technologyField,
    imported: r.imported,
    disputed: r.disputed,
    seller: r.seller as PartyInput,
    buyer: r.buyer as PartyInput,
    achievementIds: r.achievementIds,
    patentNumbers: r.patentNumbers,
    ipRegistrationNumbers: d.ipRegistrationNumbers ?? [],
    licenceType: d.licenceType,
    licenceTermMonths: d.licenceTermMonths,
    investeeName: d.investeeName,
    relatedToTransferOrDevelopment: d.relatedToTransferOrDevelopment ?? false,
    contractValueFen: r.contractValueFen,
    nonTechnicalCostsFen: r.nonTechnicalCostsFen,
    payment: r.payment as PaymentInput,
    documentSha256: r.documentSha256,
    transferInstitutionId: r.transferInstitutionId,
    techManagerIds: r.techManagerIds,
  };
}

export async function findContract(db: DbOrTx, id: string): Promise<ContractRow | undefined> {
  const [row] = await db.select().from(technologyContracts).where(eq(technologyContracts.id, id));
  return row;
}

/**
 * The contract's columns for the locking statement, built once: the query builder spent about
 * as much CPU assembling this 45-column select as the rest of a transition's JavaScript
 * (issue 14). Rows are decoded by each column's own driver mapping, as the builder does.
 */
const COLUMNS = Object.entries(getTableColumns(technologyContracts));
const SELECT_COLUMNS = COLUMNS.map(([, c]) => `technology_contracts."${c.name}"`).join(', ');
function contractFrom(raw: Record<string, unknown>): ContractRow {
  const row: Record<string, unknown> = {};
  for (const [key, column] of COLUMNS) {
    const value = raw[column.name];
    row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return row as ContractRow;
}
type ContractKey = keyof typeof technologyContracts.$inferInsert;
const COLUMN_OF = Object.fromEntries(COLUMNS) as Record<ContractKey, (typeof COLUMNS)[number][1]>;
/** A value as the column's driver mapping sends it (timestamps as ISO text, JSON as text). */
function toDriver(key: ContractKey, value: unknown): unknown {
  return value === null || value === undefined ? null : COLUMN_OF[key].mapToDriverValue(value as never);
}

/** A new application's columns as written by `insertDraftWith`. */
export type DraftColumns = ApplicationColumns & {
  id: string;
  organisationId: string;
  subCentreId: string;
  createdBy: string;
};

/**
 * The row a draft is inserted as, every column written explicitly (defaults included), so the
 * row is known without reading it back: the application's columns from `toColumns`, the others
 * here. A column added to the table fails to type-check here until one of the two gives it
 * its value (the result must be a whole `ContractRow`; `toColumns` must satisfy the table).
 */
export function draftRow(c: DraftColumns, now: Date): ContractRow {
  return {
    ...c,
    status: 'draft',
    version: 1,
    // The generated column: contract_value_fen - non_technical_costs_fen.
    transactionAmountFen: c.contractValueFen - c.nonTechnicalCostsFen,
    determinedAmountFen: null,
    determinationReason: null,
    submittedAt: null,
    dueDate: null,
    dueDateProvisional: false,
    reviewWorkingDays: null,
    reviewerId: null,
    reviewStartedAt: null,
    returnReasons: null,
    returnedAt: null,
    refusalGround: null,
    refusalText: null,
    refusedAt: null,
    registrationNumber: null,
    registrationYear: null,
    registeredAt: null,
    registeredBy: null,
    cancelledAt: null,
    cancellationReason: null,
    cancelledBy: null,
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * Inserts a draft and `writes` (its audit row: CTEs selecting from `ins`) in ONE statement,
 * which also runs `duplicate` (the duplicate check, after the applicant's lock; it does not see
 * the row being inserted). When it finds a live application, nothing is inserted (nor audited)
 * and that application is returned, for the caller to throw; so the statement may be its
 * transaction's last, sent with the COMMIT (`last`, platform/statement.ts).
 */
export async function insertDraftWith(
  tx: Tx,
  row: ContractRow,
  duplicate: Text,
  writes: (from: string) => Text[],
  opts: { last?: boolean } = {},
): Promise<{ duplicate?: Record<string, unknown> }> {
  // The generated column is computed by the database.
  const keys = (Object.keys(row) as (keyof ContractRow)[]).filter(
    (k): k is ContractKey => k !== 'transactionAmountFen',
  );
  const names = keys.map((k) => `"${COLUMN_OF[k].name}"`).join(', ');
  const values = joinText(
    keys.map((k) => text`${toDriver(k, row[k])}`),
    ', ',
  );
  const more = writes('ins');
  const [r] = await runText(
    tx,
    text`WITH dup AS (${duplicate}),
      ins AS (INSERT INTO technology_contracts (${raw(names)}) SELECT ${values} WHERE NOT EXISTS (SELECT 1 FROM dup) RETURNING id)${
        more.length ? text`, ${joinText(more, ', ')}` : text``
      }
    SELECT dup.*, (SELECT count(*) FROM ins)::int AS inserted FROM (SELECT 1) one LEFT JOIN dup ON true`,
    opts,
  );
  if (r!.id) return { duplicate: r };
  if (r!.inserted !== 1) throw new Error(`technology contract ${row.id} was not inserted`);
  return {};
}

/**
 * The contract's row under its lock, for a transition (concurrent transitions of one contract
 * serialise), reading `extra` values in the same statement (scalar subqueries: the calendar's
 * stamp, the point, the event's subscriptions), so a transition pays no round trip for them.
 * With `parties`, the parties' verified organisations (`parties.ids`, a JSON array, which the
 * extras may use) are read too. Only the contract's row is locked.
 */
export async function lockContractWith<K extends string>(
  tx: Tx,
  id: string,
  extra: Record<K, Text>,
  parties?: Text,
): Promise<{ row: ContractRow; extra: Record<K, unknown> } | undefined> {
  const names = Object.keys(extra) as K[];
  const more = names.map((k, i) => text`, ${extra[k]} AS ${raw(`x${i}`)}`);
  const [raw_] = await runText(
    tx,
    text`SELECT ${raw(SELECT_COLUMNS)}${joinText(more, '')}
      FROM technology_contracts${parties ? text`, LATERAL (SELECT ${parties} AS ids) parties` : text``}
      WHERE technology_contracts.id = ${id}
      FOR UPDATE OF technology_contracts`,
  );
  if (!raw_) return undefined;
  return {
    row: contractFrom(raw_),
    extra: Object.fromEntries(names.map((k, i) => [k, raw_[`x${i}`]])) as Record<K, unknown>,
  };
}

/**
 * `updateContract` of the locked row `r` and `writes` (audit row, event: CTEs selecting from
 * `upd`, one row when the update applied) in ONE statement. Returns the row as updated,
 * computed here: the update sets only `set` and `updatedAt` (the immutability trigger changes
 * nothing on a row that is not registered).
 */
export async function updateContractWith(
  tx: Tx,
  r: ContractRow,
  set: Partial<typeof technologyContracts.$inferInsert>,
  writes: (from: string, after: ContractRow) => Text[],
  opts: { last?: boolean } = {},
): Promise<ContractRow> {
  const after = { ...r, ...set, updatedAt: new Date() } as ContractRow;
  const keys = [...(Object.keys(set) as ContractKey[]), 'updatedAt' as const];
  const assignments = joinText(
    keys.map((k) => text`${raw(`"${COLUMN_OF[k].name}"`)} = ${toDriver(k, after[k as keyof ContractRow])}`),
    ', ',
  );
  const more = writes('upd', after);
  const [result] = await runText<{ n: number }>(
    tx,
    text`WITH upd AS (UPDATE technology_contracts SET ${assignments} WHERE id = ${r.id} RETURNING id)${
      more.length ? text`, ${joinText(more, ', ')}` : text``
    }
    SELECT count(*)::int AS n FROM upd`,
    opts,
  );
  if (result?.n !== 1) throw new Error(`technology contract ${r.id} was not updated`);
  return after;
}

export async function updateContract(
  tx: Tx,
  id: string,
  set: Partial<typeof technologyContracts.$inferInsert>,
): Promise<ContractRow> {
  const [row] = await tx
    .update(technologyContracts)
    .set({ ...set, updatedAt: new Date() })
    .where(eq(technologyContracts.id, id))
    .returning();
  return row!;
}

/**
 * The next serial of a registration point in a year. The upsert takes the counter row's lock
 * until the registering transaction ends, so concurrent registrations at one point queue here
 * and a rolled-back one gives its number back: gap-free by construction.
 */
export async function nextSerial(tx: Tx, subCentreId: string, year: number): Promise<number> {
  const [row] = await tx
    .insert(contractRegistrationCounters)
    .values({ subCentreId, year, lastSerial: 1 })
    .onConflictDoUpdate({
      target: [contractRegistrationCounters.subCentreId, contractRegistrationCounters.year],
      set: { lastSerial: sql`${contractRegistrationCounters.lastSerial} + 1` },
    })
    .returning({ serial: contractRegistrationCounters.lastSerial });
  return row!.serial;
}

/** The columns a registration sets (beside the number). */
export interface RegistrationSet {
  registrationYear: number;
  registeredAt: Date;
  registeredBy: string;
  determinedAmountFen: number | null;
  determinationReason: string | null;
  updatedAt: Date;
}

/**
 * Registers a contract (the row already locked by the caller) under the point's next serial and
 * writes everything that carries the number, in ONE statement: the counter's upsert allocates
 * the serial (`num`, the late value of platform/statement.ts), the contract's update takes it,
 * and `writes` (version snapshot, voucher request, event, audit row: CTEs selecting from `num`)
 * record it. The counter row's lock, held until commit, thus spans this statement and the
 * commit. Gap-free as `nextSerial`: a failed statement or transaction gives the serial back.
 * Returns the number, or undefined when the year's serials are exhausted (nothing is written,
 * the counter included: the statement may be its transaction's last, sent with the COMMIT,
 * `last`; the caller throws).
 */
export async function registerInOneStatement(
  tx: Tx,
  id: string,
  number: { subCentreId: string; year: number; prefix: string; digits: number },
  set: RegistrationSet,
  writes: (from: string, lateValue: string) => Text[],
  opts: { last?: boolean } = {},
): Promise<string | undefined> {
  const more = writes('num', 'num.number');
  const [row] = await runText<{ number: string }>(
    tx,
    text`
    WITH serial AS (
      INSERT INTO contract_registration_counters (sub_centre_id, year, last_serial)
      VALUES (${number.subCentreId}, ${number.year}, 1)
      ON CONFLICT (sub_centre_id, year) DO UPDATE SET last_serial = contract_registration_counters.last_serial + 1
        WHERE contract_registration_counters.last_serial < ${10 ** number.digits - 1}
      RETURNING last_serial),
    num AS (
      SELECT ${number.prefix}::text || lpad(last_serial::text, ${number.digits}::int, '0') AS number
      FROM serial WHERE last_serial < ${10 ** number.digits}),
    registered AS (
      UPDATE technology_contracts SET
        status = 'registered', registration_number = num.number,
        registration_year = ${set.registrationYear}, registered_at = ${set.registeredAt.toISOString()},
        registered_by = ${set.registeredBy}, determined_amount_fen = ${set.determinedAmountFen}::bigint,
        determination_reason = ${set.determinationReason}::text, updated_at = ${set.updatedAt.toISOString()}
      FROM num WHERE technology_contracts.id = ${id}
      RETURNING technology_contracts.id)${more.length ? text`, ${joinText(more, ', ')}` : text``}
    SELECT num.number FROM num, registered`,
    opts,
  );
  return row?.number;
}

/** Which of these users hold the technology manager role (identity's role look-up). */
export async function techManagersAmong(db: DbOrTx, ids: string[]): Promise<Set<string>> {
  return usersWithRole(db, 'tech_manager', ids);
}

/** Contracts visible to a caller: own organisation, plus registration points (or all). */
export function visibility(
  organisationId: string | undefined,
  points: 'all' | readonly string[],
): SQL | undefined {
  if (points === 'all') return undefined;
  const parts: SQL[] = [];
  if (organisationId) parts.push(eq(technologyContracts.organisationId, organisationId));
  if (points.length) parts.push(inArray(technologyContracts.subCentreId, [...points]));
  return parts.length ? or(...parts) : sql`false`;
}

export async function listContracts(
  db: DbOrTx,
  opts: { where: SQL | undefined; status?: ContractStatus; beforeId?: string; limit: number },
): Promise<ContractRow[]> {
  return db
    .select()
    .from(technologyContracts)
    .where(
      and(
        opts.where,
        opts.status ? eq(technologyContracts.status, opts.status) : undefined,
        opts.beforeId ? lt(technologyContracts.id, opts.beforeId) : undefined,
      ),
    )
    .orderBy(desc(technologyContracts.id))
    .limit(opts.limit);
}

/** Applications past their due date (China date `today` is after it), oldest due first. */
export async function listOverdue(
  db: DbOrTx,
  opts: { where: SQL | undefined; today: string; after?: [string, string]; limit: number },
): Promise<ContractRow[]> {
  const t = technologyContracts;
  const after = opts.after
    ? or(gt(t.dueDate, opts.after[0]), and(eq(t.dueDate, opts.after[0]), gt(t.id, opts.after[1])))
    : undefined;
  return db
    .select()
    .from(t)
    .where(
      and(opts.where, inArray(t.status, ['submitted', 'under_review']), lt(t.dueDate, opts.today), after),
    )
    .orderBy(asc(t.dueDate), asc(t.id))
    .limit(opts.limit);
}
