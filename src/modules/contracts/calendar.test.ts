import { describe, expect, it } from 'vitest';
import {
  addWorkingDays,
  CalendarCoverageError,
  chinaDate,
  chinaDayEnd,
  chinaDayStart,
  coverage,
  type HolidayData,
  isWorkingDay,
  loadCalendar,
  PRC_CALENDAR,
  workingDaysBetween,
} from './calendar.js';
import holidayData from './holidays.json' with { type: 'json' };

const due = (start: string | Date, n: number) => chinaDate(addWorkingDays(start, n));

describe('China dates', () => {
  it('converts a UTC instant to the China calendar date', () => {
    expect(chinaDate(new Date('2025-09-30T15:59:59.999Z'))).toBe('2025-09-30');
    expect(chinaDate(new Date('2025-09-30T16:00:00Z'))).toBe('2025-10-01');
    expect(chinaDate(new Date('2025-09-30T17:00:00Z'))).toBe('2025-10-01');
  });

  it('gives the start and (exclusive) end instants of a China day', () => {
    expect(chinaDayStart('2025-10-09').toISOString()).toBe('2025-10-08T16:00:00.000Z');
    expect(chinaDayEnd('2025-10-09').toISOString()).toBe('2025-10-09T16:00:00.000Z');
  });

  it('rejects malformed dates', () => {
    expect(() => chinaDate('2025-02-29')).toThrow(RangeError);
    expect(() => chinaDate('2025-9-1')).toThrow(RangeError);
    expect(() => chinaDate(new Date('nope'))).toThrow(RangeError);
  });
});

describe('isWorkingDay', () => {
  it('follows the 2025 National Day / Mid-Autumn schedule', () => {
    expect(isWorkingDay('2025-09-28')).toBe(true); // Sunday, adjusted working day
    expect(isWorkingDay('2025-09-30')).toBe(true);
    for (let d = 1; d <= 8; d++) expect(isWorkingDay(`2025-10-0${d}`)).toBe(false);
    expect(isWorkingDay('2025-10-09')).toBe(true);
    expect(isWorkingDay('2025-10-11')).toBe(true); // Saturday, adjusted working day
    expect(isWorkingDay('2025-10-12')).toBe(false);
  });

  it('uses the China date of a timestamp, not the UTC one', () => {
    // 17:00Z on 30 Sep is 01:00 on 1 Oct in China: a holiday, though 30 Sep (UTC) is a Tuesday.
    expect(isWorkingDay(new Date('2025-09-30T17:00:00Z'))).toBe(false);
    // 17:00Z on Saturday 27 Sep is Sunday 28 Sep in China: an adjusted working day.
    expect(isWorkingDay(new Date('2025-09-27T17:00:00Z'))).toBe(true);
  });

  it('knows 2024 and 2026', () => {
    expect(isWorkingDay('2024-02-09')).toBe(true); // 除夕 2024 was officially a working day
    expect(isWorkingDay('2024-02-18')).toBe(true);
    expect(isWorkingDay('2024-02-16')).toBe(false);
    for (const d of ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10']) {
      expect(isWorkingDay(d), d).toBe(true);
    }
    expect(isWorkingDay('2026-02-23')).toBe(false);
  });
});

describe('addWorkingDays', () => {
  it('counts across National Day / Mid-Autumn 2025', () => {
    expect(due('2025-09-30', 1)).toBe('2025-10-09');
    expect(due('2025-09-30', 3)).toBe('2025-10-11');
    expect(due('2025-09-30', 4)).toBe('2025-10-13');
    expect(due('2025-09-26', 1)).toBe('2025-09-28');
    // The 15-working-day registration review, filed on Thursday 25 Sep 2025.
    expect(due('2025-09-25', 15)).toBe('2025-10-22');
  });

  it('starts counting from the China date of a timestamp', () => {
    expect(due(new Date('2025-09-30T15:00:00Z'), 1)).toBe('2025-10-09'); // 23:00 on 30 Sep
    expect(due(new Date('2025-09-30T17:00:00Z'), 1)).toBe('2025-10-09'); // 01:00 on 1 Oct
    expect(due(new Date('2025-09-29T17:00:00Z'), 2)).toBe('2025-10-10'); // 30 Sep, not 29 Sep
    expect(addWorkingDays(new Date('2025-09-30T17:00:00Z'), 1).toISOString()).toBe(
      '2025-10-08T16:00:00.000Z',
    );
  });

  it('counts across Spring Festival 2025', () => {
    expect(due('2025-01-24', 1)).toBe('2025-01-26'); // Sunday, adjusted working day
    expect(due('2025-01-24', 2)).toBe('2025-01-27');
    expect(due('2025-01-24', 3)).toBe('2025-02-05'); // 28 Jan – 4 Feb off
    expect(due('2025-01-24', 6)).toBe('2025-02-08'); // Saturday, adjusted working day
    expect(due('2025-01-24', 7)).toBe('2025-02-10');
    // Filed Monday 27 Jan: 5–8 Feb (8th a Saturday) are days 1–4, then 10–14, 17–21, 24 Feb.
    expect(due('2025-01-27', 15)).toBe('2025-02-24');
  });

  it('does not count the start day and returns it for n = 0', () => {
    expect(due('2025-10-03', 0)).toBe('2025-10-03');
    expect(due('2025-10-03', 1)).toBe('2025-10-09');
    expect(due('2025-06-13', 1)).toBe('2025-06-16'); // Friday → Monday
    expect(() => addWorkingDays('2025-01-01', -1)).toThrow(RangeError);
    expect(() => addWorkingDays('2025-01-01', 1.5)).toThrow(RangeError);
  });
});

describe('workingDaysBetween', () => {
  it('counts (a, b] and is antisymmetric', () => {
    expect(workingDaysBetween('2025-09-30', '2025-10-09')).toBe(1);
    expect(workingDaysBetween('2025-09-25', '2025-10-22')).toBe(15);
    expect(workingDaysBetween('2025-10-22', '2025-09-25')).toBe(-15);
    expect(workingDaysBetween('2025-10-01', '2025-10-08')).toBe(0);
    expect(workingDaysBetween(new Date('2025-09-30T17:00:00Z'), '2025-10-09')).toBe(1);
  });

  it('inverts addWorkingDays for every start day 2024–2026', () => {
    for (let day = Date.UTC(2024, 0, 1); day < Date.UTC(2026, 11, 1); day += 86_400_000) {
      const start = new Date(day).toISOString().slice(0, 10);
      for (const n of [0, 1, 5, 15, 30]) expect(workingDaysBetween(start, addWorkingDays(start, n))).toBe(n);
    }
  });
});

describe('holiday data', () => {
  // Weekdays off minus weekend make-up days = statutory holidays: 11 a year, 13 from 2025.
  it.each([
    [2024, 11],
    [2025, 13],
    [2026, 13],
  ])('nets %i to %i statutory days', (year, statutory) => {
    expect(workingDaysLost(year)).toBe(statutory);
  });

  it('covers 2024–2026 officially', () => {
    expect(coverage('2025-10-01', PRC_CALENDAR)).toBe('official');
    expect(coverage('2026-12-31', PRC_CALENDAR)).toBe('official');
    expect(coverage('2027-01-04', PRC_CALENDAR)).toBe('none');
  });

  it('falls back to weekends outside the data, or throws if asked to', () => {
    expect(isWorkingDay('2027-03-01')).toBe(true);
    expect(isWorkingDay('2027-03-06')).toBe(false);
    const strict = loadCalendar(holidayData, 'throw');
    expect(() => isWorkingDay('2027-03-01', strict)).toThrow(CalendarCoverageError);
    expect(() => addWorkingDays('2026-12-30', 5, strict)).toThrow(CalendarCoverageError);
  });

  it('refuses inconsistent data', () => {
    const year = (holidays: HolidayData['years'][string]['holidays'], workdays: string[]): HolidayData => ({
      years: { '2030': { source: 'test', provisional: true, holidays, workdays } },
    });
    expect(() => loadCalendar(year([], ['2030-01-02']))).toThrow(/not a weekend/);
    expect(() => loadCalendar(year([{ name: 'x', from: '2030-02-02', to: '2030-02-01' }], []))).toThrow(
      /range/,
    );
    expect(() =>
      loadCalendar(year([{ name: 'x', from: '2030-01-05', to: '2030-01-06' }], ['2030-01-05'])),
    ).toThrow(/both/);
    expect(() => loadCalendar(year([{ name: 'x', from: '2030-02-30', to: '2030-03-01' }], []))).toThrow(
      RangeError,
    );
  });
});

function workingDaysLost(year: number): number {
  let lost = 0;
  for (let day = Date.UTC(year, 0, 1); day < Date.UTC(year + 1, 0, 1); day += 86_400_000) {
    const d = new Date(day);
    const weekend = d.getUTCDay() === 0 || d.getUTCDay() === 6;
    const working = isWorkingDay(d.toISOString().slice(0, 10));
    if (!weekend && !working) lost++;
    if (weekend && working) lost--;
  }
  return lost;
}
