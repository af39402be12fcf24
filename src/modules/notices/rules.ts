import { addWorkingDays, chinaDayEnd, type WorkingCalendar } from '../contracts/index.js';

/**
 * The rules of 协议定价公示 as data. Organisations funded by the state (universities, research
 * institutes) must publish a negotiated price before concluding a transfer, licence or equity
 * contribution of their achievements (促进科技成果转化法 art. 18; 财政部 科技成果转化 国有资产 rules).
 */
export const STATE_FUNDED_TYPES: readonly string[] = ['university', 'institute'];
export const MODES = ['transfer', 'licence', 'equity'] as const;
export type Mode = (typeof MODES)[number];
export const DAY_KINDS = ['calendar', 'working'] as const;
export type DayKind = (typeof DAY_KINDS)[number];

/** The default period: 15 calendar days (公示期不少于15日). */
export const DEFAULT_POLICY = { periodDays: 15, dayKind: 'calendar' as DayKind };
export const MAX_PERIOD_DAYS = 90;

/** The contract types the contracts module gates on a cleared notice. */
export const GATED_CONTRACT_TYPES: readonly string[] = ['transfer', 'licensing'];

const DAY_MS = 86_400_000;

/**
 * When a period that starts at `start` ends (exclusive instant). The day of publication is not
 * counted (民法典 art. 201): N calendar days end at the end of the N-th China date after it; N
 * working days at the end of the N-th working day after it on the holiday calendar.
 */
export function periodEnd(start: Date, days: number, kind: DayKind, cal: WorkingCalendar): Date {
  if (kind === 'working') return chinaDayEnd(addWorkingDays(start, days, cal));
  return new Date(chinaDayEnd(start).getTime() + days * DAY_MS);
}

/**
 * A notice's status, derived from the clock and its objections (service.ts `statusOf`):
 * `in_period` (公示中) until the period ends; then `disputed` (有异议) when an objection was not
 * answered before the period ended, else `cleared` (公示期满，无异议或异议均已答复); `withdrawn`
 * (已撤回) once the owner withdrew it during its period: it never clears the gate.
 */
export type NoticeStatus = 'in_period' | 'disputed' | 'cleared' | 'withdrawn';

/** 张三 → 张*, 欧阳修文 → 欧***: the objector's name in public views. */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length <= 1) return '*';
  return chars[0] + '*'.repeat(Math.min(chars.length - 1, 3));
}
