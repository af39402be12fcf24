/**
 * `techex admin calendar …`: the holiday calendar of review due dates.
 *   import <file>   load years in the format of holidays.json (`{"years": {"2027": {…}}}`),
 *                   audited as the system; recomputes provisional due dates
 *   show            the years in force and where each comes from
 */
import fs from 'node:fs/promises';
import type { Actor } from '../../platform/audit.js';
import type { Db } from '../../platform/db.js';
import { ValidationError } from '../../platform/errors.js';
import { SHIPPED_HOLIDAYS } from './calendar.js';
import { calendarWarning, importHolidayYears, loadHolidayData } from './holiday-years.js';

export const CALENDAR_HELP = `Usage: techex admin calendar <command>

  import <file>      load the State Council's holiday arrangement for one or more years
                     (format of src/modules/contracts/holidays.json); recomputes provisional
                     due dates of open applications
  show               the calendar's years and where each comes from`;

const SYSTEM: Actor = { type: 'system', id: 'techex-admin-cli' };

/** Runs one calendar command against an open database; returns the exit code. */
export async function calendarCommand(args: string[], db: Db, out: (line: string) => void): Promise<number> {
  const [command, file, ...extra] = args;
  if (command === 'import' && file && extra.length === 0) {
    let body: unknown;
    try {
      body = JSON.parse(await fs.readFile(file, 'utf8'));
    } catch (err) {
      out(`cannot read ${file}: ${(err as Error).message}`);
      return 2;
    }
    try {
      const r = await importHolidayYears(db, SYSTEM, body);
      out(`imported ${r.years.join(', ')}; ${r.recomputed} provisional due date(s) recomputed`);
      return 0;
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      for (const e of err.errors ?? []) out(`${e.field}: ${e.message}`);
      return 1;
    }
  }
  if (command === 'show' && !file) {
    const data = await loadHolidayData(db);
    for (const [year, y] of Object.entries(data.years).sort(([a], [b]) => a.localeCompare(b))) {
      const origin = SHIPPED_HOLIDAYS.years[year] === y ? 'shipped' : 'imported';
      out(`${year}  ${y.provisional ? 'provisional' : 'official   '}  ${origin.padEnd(8)}  ${y.source}`);
    }
    const warning = await calendarWarning(db);
    if (warning) out(`warning: ${warning}`);
    return 0;
  }
  out(CALENDAR_HELP);
  return 2;
}

/** `techex admin calendar …` as a process: opens the database, runs the command, closes it. */
export async function runCalendarCli(args: string[]): Promise<number> {
  const { loadConfig } = await import('../../platform/config.js');
  const { createLogger } = await import('../../platform/logger.js');
  const { loadSecrets } = await import('../../platform/secrets.js');
  const { openDatabase } = await import('../../platform/runtime.js');
  const config = loadConfig();
  const logger = createLogger({ ...config, logLevel: 'warn' });
  const secrets = await loadSecrets(config);
  const { database, embedded } = await openDatabase(config, logger, secrets.embeddedDbPassword);
  try {
    return await calendarCommand(args, database.db, (l) => console.log(l));
  } finally {
    await database.close();
    await embedded?.stop();
  }
}
