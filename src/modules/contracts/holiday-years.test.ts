// Due dates beyond the holiday calendar (issue 18, item 3): marked provisional, recomputed when
// an operator loads the year (CLI or audited admin endpoint), and /readyz warns from 1 November.
// The years loaded here (2093–2097) are test data far from any real notice, so no other test's
// due dates move; the real 2027 arrangement is for an operator to load.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../../platform/schema.js';
import { createActor } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { application, createPoint, type Point, principalOf } from '../../test/fixtures/contracts.js';
import { chinaDate, dueDateAfter, loadCalendar, PRC_CALENDAR } from './calendar.js';
import { calendarCommand } from './cli.js';
import { calendarWarning } from './holiday-years.js';
import holidayData from './holidays.json' with { type: 'json' };
import { contractRoutes } from './routes.js';
import { type ContractDeps, createContract, getContract, submitContract } from './service.js';
import type { Caller } from './view.js';

let ctx: TestContext;
let app: FastifyInstance;
let point: Point;
let applicant: Caller;
let operator: Awaited<ReturnType<typeof createActor>>;
const at = (iso: string): ContractDeps => ({
  db: ctx.database.db,
  cursors: ctx.cursors,
  outbox: ctx.outbox,
  now: () => new Date(iso),
});

const fixture = useTestApp([contractRoutes]);
beforeAll(async () => {
  ({ ctx, app } = fixture);
  point = await createPoint(ctx);
  applicant = { principal: await principalOf(ctx, point.applicant) };
  operator = await createActor(ctx, { roles: [{ role: 'operator' }] });
});

/** A year's data in the holidays.json format: New Year 1–3 January, the given adjusted workdays. */
const yearOf = (year: number, over: Record<string, unknown> = {}) => ({
  source: `测试数据 ${year}`,
  provisional: false,
  holidays: [{ name: '元旦', from: `${year}-01-01`, to: `${year}-01-03` }],
  workdays: [],
  ...over,
});

describe('a due date past the last year of the calendar', () => {
  it('is provisional, not silently counted Monday–Friday as if final (a December 2026 submission)', async () => {
    // 2027 is not in holidays.json (the State Council publishes it in November 2026).
    expect(PRC_CALENDAR.years.has(2027)).toBe(false);
    const c = await createContract(at('2026-12-21T02:00:00Z'), applicant, application(point));
    const s = await submitContract(at('2026-12-21T02:00:00Z'), applicant, c.id);
    expect(s).toMatchObject({ reviewWorkingDays: 15, dueDateProvisional: true });
    expect((await getContract(at('2026-12-21T02:00:00Z'), applicant, c.id)).dueDateProvisional).toBe(true);
    // Within the calendar, a due date is final.
    const early = await createContract(at('2026-06-01T02:00:00Z'), applicant, application(point));
    expect(await submitContract(at('2026-06-01T02:00:00Z'), applicant, early.id)).toMatchObject({
      dueDateProvisional: false,
    });
  });

  it('dueDateAfter marks what a loaded year makes final', () => {
    const cal = loadCalendar({ years: { ...holidayData.years, '2027': yearOf(2027) } });
    expect(dueDateAfter('2026-12-21', 15).provisional).toBe(true);
    const known = dueDateAfter('2026-12-21', 15, cal);
    expect(known.provisional).toBe(false);
    // 1–3 January 2027 off: the known calendar's due date is later than the weekday guess.
    expect(known.dueDate > dueDateAfter('2026-12-21', 15).dueDate).toBe(true);
    expect(dueDateAfter('2026-12-21', 0)).toEqual({ dueDate: '2026-12-21', provisional: false });
  });
});

describe('loading a year (operators)', () => {
  it('recomputes provisional due dates, audited; only operators may', async () => {
    const load = (who: { headers: Record<string, string> }, years: Record<string, unknown>) =>
      app.inject({
        method: 'POST',
        url: '/v1/admin/holiday-calendar',
        headers: who.headers,
        payload: { years },
      });
    expect((await load(operator, { '2096': yearOf(2096) })).statusCode).toBe(200);

    const c = await createContract(at('2096-12-20T02:00:00Z'), applicant, application(point));
    const s = await submitContract(at('2096-12-20T02:00:00Z'), applicant, c.id);
    expect(s.dueDateProvisional).toBe(true);
    const guessed = s.dueDate!;

    expect((await load(point.applicant, { '2097': yearOf(2097) })).statusCode).toBe(403);
    expect((await load(point.registrar, { '2097': yearOf(2097) })).statusCode).toBe(403);
    const bad = await load(operator, {
      '2097': yearOf(2097, { holidays: [{ name: '元旦', from: '2097-01-03', to: '2097-01-01' }] }),
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/problem\+json/);
    const weekday = await load(operator, { '2097': yearOf(2097, { workdays: ['2097-01-07'] }) });
    expect(weekday.statusCode).toBe(400);
    expect(weekday.json().errors[0].message).toMatch(/not a weekend day/);

    const ok = await load(operator, { '2097': yearOf(2097) });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ years: [2097] });
    expect(ok.json().recomputed).toBeGreaterThanOrEqual(1);
    const after = await getContract(at('2096-12-20T02:00:00Z'), applicant, c.id);
    expect(after.dueDateProvisional).toBe(false);
    // 1–3 January 2097 are now holidays: the due date moves later by the working days among them.
    expect(after.dueDate! > guessed).toBe(true);

    const [audit] = await ctx.database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, 'holiday-calendar.import'), eq(auditEvents.objectId, '2097')));
    expect(audit?.actorId).toBe(operator.userId);

    const shown = await app.inject({ url: '/v1/admin/holiday-calendar', headers: operator.headers });
    expect(shown.statusCode).toBe(200);
    expect(shown.json().years).toContainEqual(
      expect.objectContaining({ year: 2097, origin: 'imported', provisional: false }),
    );
    expect(shown.json().years).toContainEqual(expect.objectContaining({ year: 2026, origin: 'shipped' }));
    expect(
      (await app.inject({ url: '/v1/admin/holiday-calendar', headers: point.registrar.headers })).statusCode,
    ).toBe(403);
  });

  it('techex admin calendar import <file> loads a year; a bad file changes nothing', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'techex-calendar-'));
    const file = path.join(dir, '2094.json');
    const lines: string[] = [];
    await fs.writeFile(file, JSON.stringify({ years: { '2094': yearOf(2094) } }));
    expect(await calendarCommand(['import', file], ctx.database.db, (l) => lines.push(l))).toBe(0);
    expect(lines.join('\n')).toContain('imported 2094');
    await fs.writeFile(file, JSON.stringify({ years: { '2093': yearOf(2093, { provisional: 'yes' }) } }));
    expect(await calendarCommand(['import', file], ctx.database.db, (l) => lines.push(l))).toBe(1);
    expect(lines.at(-1)).toContain('body/years/2093/provisional');
    expect(await calendarCommand(['import'], ctx.database.db, () => {})).toBe(2);
    const shown: string[] = [];
    expect(await calendarCommand(['show'], ctx.database.db, (l) => shown.push(l))).toBe(0);
    expect(shown.some((l) => l.startsWith('2094') && l.includes('imported'))).toBe(true);
    expect(shown.some((l) => l.startsWith('2093'))).toBe(false);
    await fs.rm(dir, { recursive: true, force: true });
  });
});

describe("the calendar a submission counts with (cached by the imported years' stamp)", () => {
  const submitted = async (iso: string) => {
    const c = await createContract(at(iso), applicant, application(point));
    return submitContract(at(iso), applicant, c.id);
  };
  const withYears = (...years: number[]) =>
    loadCalendar({
      years: { ...holidayData.years, ...Object.fromEntries(years.map((y) => [y, yearOf(y)])) },
    });

  it('a year loaded through the admin endpoint is counted by the very next submission', async () => {
    const load = (year: number) =>
      app.inject({
        method: 'POST',
        url: '/v1/admin/holiday-calendar',
        headers: operator.headers,
        payload: { years: { [year]: yearOf(year) } },
      });
    expect((await load(2090)).statusCode).toBe(200);
    // This submission builds (and caches) the calendar with 2090 but without 2091.
    expect(await submitted('2090-12-20T02:00:00Z')).toMatchObject({ dueDateProvisional: true });
    expect((await load(2091)).statusCode).toBe(200);
    // A calendar cached before the import would still count 2091 Monday–Friday, provisionally.
    const next = await submitted('2090-12-20T02:00:00Z');
    expect(next).toMatchObject({
      dueDateProvisional: false,
      dueDate: dueDateAfter('2090-12-20', 15, withYears(2090, 2091)).dueDate,
    });
  });

  it("a year written by another process (its own connection, not this process's import) is counted too", async () => {
    const other = new pg.Client({ connectionString: ctx.database.pool.options.connectionString });
    await other.connect();
    const write = (year: number) =>
      other.query(
        `INSERT INTO holiday_calendar_years (year, source, provisional, holidays, workdays, imported_by)
         VALUES ($1, $2, false, $3, '[]', 'another process')`,
        [year, `测试数据 ${year}`, JSON.stringify(yearOf(year).holidays)],
      );
    try {
      await write(2088);
      expect(await submitted('2088-12-20T02:00:00Z')).toMatchObject({ dueDateProvisional: true });
      await write(2089);
      expect(await submitted('2088-12-20T02:00:00Z')).toMatchObject({
        dueDateProvisional: false,
        dueDate: dueDateAfter('2088-12-20', 15, withYears(2088, 2089)).dueDate,
      });
    } finally {
      await other.end();
    }
  });
});

describe('/readyz', () => {
  it('warns from 1 November (China time) while next year is missing', async () => {
    expect(await calendarWarning(ctx.database.db, new Date('2026-10-31T15:59:59Z'))).toBeUndefined();
    const warning = await calendarWarning(ctx.database.db, new Date('2026-10-31T16:00:00Z'));
    expect(chinaDate(new Date('2026-10-31T16:00:00Z'))).toBe('2026-11-01');
    expect(warning).toMatch(/2027/);
    expect(warning).toContain('techex admin calendar import');
    // 2096 and 2097 are loaded above: 1 November 2096 is fine.
    expect(await calendarWarning(ctx.database.db, new Date('2096-11-01T02:00:00Z'))).toBeUndefined();
  });

  it('reports the calendar as a check that warns without making the service unready', async () => {
    const res = await app.inject('/readyz');
    expect(res.json().checks.holidayCalendar.status).toMatch(/^(ok|warning)$/);
    if (res.json().checks.holidayCalendar.status === 'warning') {
      expect(res.statusCode).toBe(200);
      expect(res.json().checks.holidayCalendar.warning).toContain('holiday calendar');
    }
  });
});
