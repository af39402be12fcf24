/**
 * Working-day calendar for PRC statutory deadlines (e.g. the 15 / 30 working-day review period
 * of technology contract registration), with holidays and adjusted working days kept as data
 * in holidays.json.
 *
 * Dates are calendar dates in China (Asia/Shanghai: UTC+8 all year, no DST). A `Date` argument
 * is an instant and is first converted to the China date it falls on, so 2025-09-30T17:00Z is
 * 1 October. A 'YYYY-MM-DD' string argument is taken as a China date as is.
 */
import holidayData from './holidays.json' with { type: 'json' };

export interface HolidayYear {
  readonly source: string;
  /** True until the State Council notice for the year is out: statutory days only, no 调休. */
  readonly provisional: boolean;
  readonly holidays: readonly { readonly name: string; readonly from: string; readonly to: string }[];
  readonly workdays: readonly string[];
}

export interface HolidayData {
  readonly years: Readonly<Record<string, HolidayYear>>;
}

/**
 * What to do with a date in a year the data does not cover: 'weekends' treats Monday–Friday as
 * working days (the best guess before a notice exists), 'throw' refuses.
 */
export type OutOfRange = 'weekends' | 'throw';

export interface WorkingCalendar {
  readonly offDays: ReadonlySet<string>;
  readonly workdays: ReadonlySet<string>;
  /** Year → whether its schedule is provisional. */
  readonly years: ReadonlyMap<number, boolean>;
  readonly outOfRange: OutOfRange;
}

export type DateInput = Date | string;

const DAY_MS = 86_400_000;
const CHINA_OFFSET_MS = 8 * 3_600_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export class CalendarCoverageError extends RangeError {
  constructor(readonly year: number) {
    super(`no holiday schedule for ${year}; add it to holidays.json`);
    this.name = 'CalendarCoverageError';
  }
}

// Dates are handled as day numbers (days since 1970-01-01 as a China date): integer arithmetic,
// no time-of-day, no host time zone involved.

function parseIsoDate(s: string): number {
  const m = ISO_DATE.exec(s);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
  // Date.UTC rolls 02-30 over into March; a round trip catches that.
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== s) {
    throw new RangeError(`not a calendar date (YYYY-MM-DD): ${s}`);
  }
  return ms / DAY_MS;
}

function toDay(input: DateInput): number {
  if (typeof input === 'string') return parseIsoDate(input);
  const ms = input.getTime();
  if (Number.isNaN(ms)) throw new RangeError('invalid Date');
  return Math.floor((ms + CHINA_OFFSET_MS) / DAY_MS);
}

const dayIso = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** The China calendar date ('YYYY-MM-DD') an instant falls on. */
export function chinaDate(input: DateInput): string {
  return dayIso(toDay(input));
}

/** The instant a China date starts (00:00 +08:00), e.g. to store a due date as timestamptz. */
export function chinaDayStart(input: DateInput): Date {
  return new Date(toDay(input) * DAY_MS - CHINA_OFFSET_MS);
}

/** The instant a China date ends (exclusive: 00:00 +08:00 of the next day); overdue when now ≥ it. */
export function chinaDayEnd(input: DateInput): Date {
  return new Date((toDay(input) + 1) * DAY_MS - CHINA_OFFSET_MS);
}

/**
 * Builds a calendar from holiday data, checking it on the way: a typo in the JSON must fail at
 * start-up, not shift a legal deadline by a day.
 */
export function loadCalendar(data: HolidayData, outOfRange: OutOfRange = 'weekends'): WorkingCalendar {
  const offDays = new Set<string>();
  const workdays = new Set<string>();
  const years = new Map<number, boolean>();
  for (const [key, year] of Object.entries(data.years)) {
    const y = Number(key);
    if (!/^\d{4}$/.test(key)) throw new RangeError(`holiday data: bad year key ${key}`);
    years.set(y, year.provisional);
    for (const h of year.holidays) {
      const from = parseIsoDate(h.from);
      const to = parseIsoDate(h.to);
      if (to < from || to - from > 14)
        throw new RangeError(`holiday data: bad range for ${h.name} ${h.from}`);
      for (let d = from; d <= to; d++) offDays.add(dayIso(d));
    }
    for (const w of year.workdays) {
      const weekday = new Date(parseIsoDate(w) * DAY_MS).getUTCDay();
      if (weekday !== 0 && weekday !== 6)
        throw new RangeError(`holiday data: workday ${w} is not a weekend day`);
      if (!w.startsWith(key)) throw new RangeError(`holiday data: workday ${w} filed under ${key}`);
      workdays.add(w);
    }
  }
  for (const w of workdays) {
    if (offDays.has(w)) throw new RangeError(`holiday data: ${w} is both a holiday and a working day`);
  }
  return { offDays, workdays, years, outOfRange };
}

/** The PRC calendar from holidays.json; outside its years, Monday–Friday are working days. */
export const PRC_CALENDAR: WorkingCalendar = loadCalendar(holidayData);

/** 'official' / 'provisional' per the data, 'none' if the year is not in it. */
export function coverage(date: DateInput, cal: WorkingCalendar): 'official' | 'provisional' | 'none' {
  const provisional = cal.years.get(Number(chinaDate(date).slice(0, 4)));
  return provisional === undefined ? 'none' : provisional ? 'provisional' : 'official';
}

function isWorkingDayNumber(day: number, cal: WorkingCalendar): boolean {
  const iso = dayIso(day);
  if (cal.workdays.has(iso)) return true;
  if (cal.offDays.has(iso)) return false;
  const year = Number(iso.slice(0, 4));
  if (cal.outOfRange === 'throw' && !cal.years.has(year)) throw new CalendarCoverageError(year);
  const weekday = new Date(day * DAY_MS).getUTCDay();
  return weekday !== 0 && weekday !== 6;
}

export function isWorkingDay(date: DateInput, cal: WorkingCalendar = PRC_CALENDAR): boolean {
  return isWorkingDayNumber(toDay(date), cal);
}

/**
 * The due date `n` working days after `start`: the start day itself is never counted (whether
 * or not it is a working day), so a filing on a Friday evening with n = 1 is due on Monday, and
 * n = 0 gives the start day. This follows 民法典 art. 201 (the first day of a period counted in
 * days is not counted) and 行政许可法 art. 82 (periods in working days exclude statutory
 * holidays). Returns the due date's start (00:00 China time); the deadline runs to the end of
 * that day, see chinaDayEnd.
 */
export function addWorkingDays(start: DateInput, n: number, cal: WorkingCalendar = PRC_CALENDAR): Date {
  if (!Number.isInteger(n) || n < 0)
    throw new RangeError(`working days must be a non-negative integer: ${n}`);
  let day = toDay(start);
  for (let left = n; left > 0; ) {
    day++;
    if (isWorkingDayNumber(day, cal)) left--;
  }
  return new Date(day * DAY_MS - CHINA_OFFSET_MS);
}

/**
 * The due date `n` working days after `start` (as addWorkingDays), and whether it is
 * provisional: true when a day it counted lies in a year the calendar does not have, or has
 * only provisionally (statutory days, no 调休). Such a date was counted Monday–Friday and moves
 * when the year's notice is loaded (see holiday-years.ts).
 */
export function dueDateAfter(
  start: DateInput,
  n: number,
  cal: WorkingCalendar = PRC_CALENDAR,
): { dueDate: string; provisional: boolean } {
  const due = addWorkingDays(start, n, cal);
  const first = Number(chinaDate(start).slice(0, 4));
  const last = Number(chinaDate(due).slice(0, 4));
  let provisional = false;
  for (let y = first; y <= last; y++) if (cal.years.get(y) !== false) provisional = true;
  // The start year counts only if a day after the start lies in it; with n = 0 nothing is counted.
  if (n === 0) provisional = false;
  return { dueDate: chinaDate(due), provisional };
}

/** The holiday data of holidays.json with `years` added or replacing the file's. */
export function withYears(base: HolidayData, years: Readonly<Record<string, HolidayYear>>): HolidayData {
  return { years: { ...base.years, ...years } };
}

/** The data shipped in holidays.json. */
export const SHIPPED_HOLIDAYS: HolidayData = holidayData;

/**
 * Working days in the half-open interval (a, b] of China dates — the same convention as
 * addWorkingDays, so workingDaysBetween(s, addWorkingDays(s, n)) === n. Negative when b is
 * before a; time of day is ignored.
 */
export function workingDaysBetween(a: DateInput, b: DateInput, cal: WorkingCalendar = PRC_CALENDAR): number {
  const from = toDay(a);
  const to = toDay(b);
  if (to < from) return -workingDaysBetween(b, a, cal);
  let count = 0;
  for (let day = from + 1; day <= to; day++) if (isWorkingDayNumber(day, cal)) count++;
  return count;
}
