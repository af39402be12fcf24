import { and, gt, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../../platform/db.js';
import { loginThrottles } from './schema.js';

/**
 * Growing delays on failed sign-ins, per account and per client IP, counted in PostgreSQL so
 * every replica enforces the same limit. Failures older than the window are forgotten; past
 * the free allowance each failure locks the key for twice as long as the last (15 s, 30 s, …,
 * at most 15 min). A locked key is not tried at all, so the lock cannot be raced.
 */
export const THROTTLE = {
  windowSeconds: 15 * 60,
  firstLockSeconds: 15,
  maxLockSeconds: 15 * 60,
  /** Failures allowed before the first lock. */
  free: { account: 5, ip: 30 },
} as const;

export type ThrottleKind = keyof typeof THROTTLE.free;
export const throttleKey = (kind: ThrottleKind, value: string) =>
  `${kind}:${value.trim().toLowerCase().slice(0, 256)}`;

/** Seconds until the longest lock among `keys` ends; 0 when none is locked. */
export async function lockedFor(db: Db, keys: string[]): Promise<number> {
  const rows = await db
    .select({ secs: sql<number>`ceil(extract(epoch from ${loginThrottles.lockedUntil} - now()))::int` })
    .from(loginThrottles)
    .where(and(inArray(loginThrottles.key, keys), gt(loginThrottles.lockedUntil, sql`now()`)));
  return Math.max(0, ...rows.map((r) => Number(r.secs)));
}

export async function recordFailure(db: Db, kind: ThrottleKind, key: string): Promise<number> {
  const free = THROTTLE.free[kind];
  const [row] = await db
    .insert(loginThrottles)
    .values({ key, failures: 1 })
    .onConflictDoUpdate({
      target: loginThrottles.key,
      set: {
        failures: sql`CASE WHEN ${loginThrottles.lastFailureAt} < now() - make_interval(secs => ${THROTTLE.windowSeconds})
          THEN 1 ELSE ${loginThrottles.failures} + 1 END`,
        lastFailureAt: sql`now()`,
      },
    })
    .returning({ failures: loginThrottles.failures });
  const failures = row?.failures ?? 1;
  if (failures < free) return 0;
  const seconds = Math.min(THROTTLE.maxLockSeconds, THROTTLE.firstLockSeconds * 2 ** (failures - free));
  await db
    .update(loginThrottles)
    .set({ lockedUntil: sql`now() + make_interval(secs => ${seconds})` })
    .where(sql`${loginThrottles.key} = ${key}`);
  return seconds;
}

/** A successful sign-in clears the account's counter (the IP's keeps counting down by age). */
export async function clearFailures(db: Db, key: string): Promise<void> {
  await db.delete(loginThrottles).where(sql`${loginThrottles.key} = ${key}`);
}
