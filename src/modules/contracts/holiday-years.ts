/**
 * Holiday calendar years loaded by operators. The State Council publishes a year's holiday
 * arrangement (国务院办公厅关于…年部分节假日安排的通知) in the November before it, so a release
 * cannot ship every year: an operator imports the notice as data (`techex admin calendar import
 * <file>` or `PUT /v1/admin/holiday-calendar`), which is audited, stored in
 * `holiday_calendar_years` (overriding holidays.json for that year) and recomputes every open
 * application whose due date was provisional. `/readyz` warns from 1 November while next year
 * is missing.
 */

import { and, eq, inArray, type SQL, sql } from 'drizzle-orm';
import { type Actor, recordAudit } from '../../platform/audit.js';
import type { DbOrTx } from '../../platform/db.js';
import { type FieldError, ValidationError } from '../../platform/errors.js';
import {
  chinaDate,
  dueDateAfter,
  type HolidayData,
  type HolidayYear,
  loadCalendar,
  SHIPPED_HOLIDAYS,
  type WorkingCalendar,
  withYears,
} from './calendar.js';
import type { ContractStatus } from './rules.js';
import { holidayCalendarYears, technologyContracts } from './schema.js';

const MAX_YEARS = 5;
const MAX_ENTRIES = 60;
const isDate = (v: unknown) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v);
const isName = (v: unknown) =>
  typeof v === 'string' && v.trim() !== '' && v.length <= 200 && !/[\p{Cc}\p{Bidi_Control}]/u.test(v);

/**
 * Checks an import document, in the format of holidays.json (`{"years": {"2027": {source,
 * provisional, holidays: [{name, from, to}], workdays: [...]}}}`), and returns it, or throws a
 * 400 naming each problem. Content is checked as loadCalendar checks the shipped file (ranges,
 * adjusted working days on weekends, no day both off and on).
 */
export function parseHolidayImport(value: unknown): HolidayData {
  const errors: FieldError[] = [];
  const err = (field: string, message: string) => errors.push({ field, message, code: 'holiday-calendar' });
  const doc = value as { years?: unknown } | null;
  const years = doc && typeof doc === 'object' ? doc.years : undefined;
  if (!years || typeof years !== 'object' || Array.isArray(years)) {
    err('body/years', 'an object of years, e.g. {"2027": {…}}');
    throw new ValidationError(errors);
  }
  const entries = Object.entries(years as Record<string, unknown>);
  if (entries.length === 0 || entries.length > MAX_YEARS) err('body/years', `1 to ${MAX_YEARS} years`);
  for (const [key, raw] of entries) {
    const at = `body/years/${key}`;
    const y = raw as Partial<Record<keyof HolidayYear, unknown>> | null;
    if (!/^\d{4}$/.test(key) || Number(key) < 2000) err(at, 'the key is a four-digit year');
    if (!y || typeof y !== 'object') {
      err(at, 'an object with source, provisional, holidays and workdays');
      continue;
    }
    if (!isName(y.source)) err(`${at}/source`, 'the notice it comes from (e.g. 国办发明电〔2026〕…号)');
    if (typeof y.provisional !== 'boolean') err(`${at}/provisional`, 'true or false');
    if (!Array.isArray(y.holidays) || y.holidays.length === 0 || y.holidays.length > MAX_ENTRIES)
      err(`${at}/holidays`, `1 to ${MAX_ENTRIES} holidays`);
    else
      for (const [i, h] of (y.holidays as { name?: unknown; from?: unknown; to?: unknown }[]).entries()) {
        if (!h || !isName(h.name) || !isDate(h.from) || !isDate(h.to))
          err(`${at}/holidays/${i}`, 'name, from and to (YYYY-MM-DD)');
        else if (!(h.from as string).startsWith(key) && !(h.to as string).startsWith(key))
          err(`${at}/holidays/${i}`, `not in ${key}`);
      }
    if (!Array.isArray(y.workdays) || y.workdays.length > MAX_ENTRIES || !y.workdays.every(isDate))
      err(`${at}/workdays`, `at most ${MAX_ENTRIES} dates (YYYY-MM-DD)`);
  }
  if (errors.length) throw new ValidationError(errors);
  const data = { years } as HolidayData;
  try {
    loadCalendar(withYears(SHIPPED_HOLIDAYS, data.years), 'weekends');
  } catch (e) {
    throw new ValidationError([
      {
        field: 'body/years',
        message: (e as Error).message.replace(/^holiday data: /, ''),
        code: 'holiday-calendar',
      },
    ]);
  }
  return data;
}

/** holidays.json with every imported year on top. */
export async function loadHolidayData(db: DbOrTx): Promise<HolidayData> {
  return (await loadHolidayDataStamped(db)).data;
}

/**
 * The imported years' version, read cheaply: each row's year and `xmin` (the transaction that
 * wrote that row version). An import, a re-import of a year or a deleted row changes it, in
 * whichever process it happens; the same string is computed from loaded rows in
 * `loadHolidayDataStamped`. Readable inside a larger statement (the submission's row lock).
 */
export const calendarStampSql = (): SQL =>
  sql<string>`(SELECT coalesce(string_agg(y.year::text || ':' || y.xmin::text, ',' ORDER BY y.year), '')
    FROM ${holidayCalendarYears} y)`;

async function loadHolidayDataStamped(db: DbOrTx): Promise<{ data: HolidayData; stamp: string }> {
  const rows = await db
    .select({
      year: holidayCalendarYears.year,
      source: holidayCalendarYears.source,
      provisional: holidayCalendarYears.provisional,
      holidays: holidayCalendarYears.holidays,
      workdays: holidayCalendarYears.workdays,
      xmin: sql<string>`xmin::text`,
    })
    .from(holidayCalendarYears)
    .orderBy(holidayCalendarYears.year);
  const years: Record<string, HolidayYear> = {};
  for (const r of rows)
    years[String(r.year)] = {
      source: r.source,
      provisional: r.provisional,
      holidays: r.holidays as HolidayYear['holidays'],
      workdays: r.workdays as HolidayYear['workdays'],
    };
  return {
    data: withYears(SHIPPED_HOLIDAYS, years),
    stamp: rows.map((r) => `${r.year}:${r.xmin}`).join(','),
  };
}

/**
 * The calendar last built, by the stamp of the rows it was built from. Submissions read the
 * stamp in a statement they send anyway and rebuild only when it changed: no per-submission
 * read of the years and no rebuild of the day sets (issue 14). A stamp read in a transaction
 * that imports (uncommitted) and then rolls back differs from the one read after, so a cached
 * calendar of a rolled-back import is never used. One cache per process: transaction ids are
 * unique across a cluster, so two databases of one cluster never share a non-empty stamp (a
 * process talking to two clusters could, and is not a shape techex runs in).
 */
let cached: { stamp: string; calendar: WorkingCalendar } | undefined;

/** The working calendar in force given the imported years' current `stamp`. */
export async function calendarForStamp(db: DbOrTx, stamp: string): Promise<WorkingCalendar> {
  if (cached?.stamp === stamp) return cached.calendar;
  const loaded = await loadHolidayDataStamped(db);
  const calendar = loadCalendar(loaded.data);
  cached = { stamp: loaded.stamp, calendar };
  return calendar;
}

/** The working calendar in force: holidays.json and the imported years. */
export async function currentCalendar(db: DbOrTx): Promise<WorkingCalendar> {
  const [row] = await db
    .execute<{ stamp: string }>(sql`SELECT ${calendarStampSql()} AS stamp`)
    .then((r) => r.rows);
  return calendarForStamp(db, row!.stamp);
}

/** Open applications (submitted, under review) whose due date is provisional. */
const OPEN: ContractStatus[] = ['submitted', 'under_review'];

/**
 * Recomputes every open application's provisional due date with the calendar now in force.
 * Returns the ids whose due date or provisional mark changed.
 */
export async function recomputeProvisionalDueDates(tx: DbOrTx, cal: WorkingCalendar): Promise<string[]> {
  const rows = await tx
    .select({
      id: technologyContracts.id,
      submittedAt: technologyContracts.submittedAt,
      days: technologyContracts.reviewWorkingDays,
      dueDate: technologyContracts.dueDate,
    })
    .from(technologyContracts)
    .where(and(eq(technologyContracts.dueDateProvisional, true), inArray(technologyContracts.status, OPEN)));
  const changed: string[] = [];
  for (const r of rows) {
    if (!r.submittedAt || r.days === null) continue;
    const next = dueDateAfter(r.submittedAt, r.days, cal);
    await tx
      .update(technologyContracts)
      .set({ dueDate: next.dueDate, dueDateProvisional: next.provisional })
      .where(eq(technologyContracts.id, r.id));
    changed.push(r.id);
  }
  return changed;
}

/**
 * Stores the years of `data` (replacing an earlier import of the same year), audits the import
 * and recomputes provisional due dates, in one transaction.
 */
export async function importHolidayYears(
  db: DbOrTx,
  actor: Actor,
  input: unknown,
  requestId?: string,
): Promise<{ years: number[]; recomputed: number }> {
  const data = parseHolidayImport(input);
  return db.transaction(async (tx) => {
    const years = Object.keys(data.years).map(Number);
    const before = await tx
      .select()
      .from(holidayCalendarYears)
      .where(inArray(holidayCalendarYears.year, years));
    for (const [key, y] of Object.entries(data.years)) {
      const row = {
        source: y.source,
        provisional: y.provisional,
        holidays: y.holidays.map((h) => ({ name: h.name, from: h.from, to: h.to })),
        workdays: [...y.workdays],
        importedBy: actor.id ?? actor.type,
        importedAt: new Date(),
      };
      await tx
        .insert(holidayCalendarYears)
        .values({ year: Number(key), ...row })
        .onConflictDoUpdate({ target: holidayCalendarYears.year, set: row });
    }
    const changed = await recomputeProvisionalDueDates(tx, await currentCalendar(tx));
    await recordAudit(tx, {
      actor,
      action: 'holiday-calendar.import',
      objectType: 'holiday_calendar',
      objectId: years.join(','),
      before: { years: before.map((b) => ({ year: b.year, source: b.source, provisional: b.provisional })) },
      after: { years: data.years, recomputedContracts: changed },
      requestId,
    });
    return { years, recomputed: changed.length };
  });
}

/**
 * The /readyz warning: from 1 November (China time), next year's holiday arrangement should be
 * loaded; until it is, due dates reaching into it are provisional. Undefined when all is well.
 */
export async function calendarWarning(db: DbOrTx, now: Date = new Date()): Promise<string | undefined> {
  const today = chinaDate(now);
  const year = Number(today.slice(0, 4));
  const cal = await currentCalendar(db);
  const missing = [year, ...(today.slice(5) >= '11-01' ? [year + 1] : [])].filter(
    (y) => cal.years.get(y) !== false,
  );
  if (missing.length === 0) return undefined;
  return `holiday calendar ${missing.join(', ')} not loaded (or provisional): due dates into it are provisional; load it with techex admin calendar import <file>`;
}
