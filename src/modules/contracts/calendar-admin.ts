/**
 * The operators' view of the holiday calendar (GET /v1/admin/holiday-calendar) and its import
 * (POST, audited): which years due dates are counted with, where each comes from, and loading
 * the State Council's arrangement for a year the release does not ship.
 */

import { actorOf } from '../../platform/audit.js';
import { authorize, definePolicies } from '../../platform/authz.js';
import { isOperator, type Principal } from '../../platform/principal.js';
import { SHIPPED_HOLIDAYS } from './calendar.js';
import { importHolidayYears, loadHolidayData } from './holiday-years.js';
import { holidayCalendarYears } from './schema.js';
import type { ContractDeps } from './service.js';
import type { Caller } from './view.js';

definePolicies({
  'holiday-calendar.read': (p: Principal | undefined, _: null) => isOperator(p),
  'holiday-calendar.import': (p: Principal | undefined, _: null) => isOperator(p),
});

export async function holidayCalendar(deps: ContractDeps, caller: Caller) {
  authorize(caller.principal, 'holiday-calendar.read', null);
  const data = await loadHolidayData(deps.db);
  const imported = new Map(
    (await deps.db.select().from(holidayCalendarYears)).map((r) => [String(r.year), r] as const),
  );
  return {
    years: Object.entries(data.years)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([year, y]) => {
        const row = imported.get(year);
        return {
          year: Number(year),
          source: y.source,
          provisional: y.provisional,
          origin: row ? ('imported' as const) : ('shipped' as const),
          importedAt: row?.importedAt.toISOString() ?? null,
          holidays: y.holidays.map((h) => ({ ...h })),
          workdays: [...y.workdays],
        };
      }),
    shippedYears: Object.keys(SHIPPED_HOLIDAYS.years).map(Number),
  };
}

export async function importHolidayCalendar(deps: ContractDeps, caller: Caller, body: unknown) {
  authorize(caller.principal, 'holiday-calendar.import', null);
  return importHolidayYears(deps.db, actorOf(caller.principal), body, caller.requestId);
}
