import { vi } from 'vitest';

export interface EventuallyOptions {
  /** How long to wait before failing (ms, default 20 s). */
  timeout?: number;
  /**
   * Called about every half second while the condition does not hold, e.g. `() => ctx.outbox.kick()`
   * to drain the outbox as its periodic sweep would.
   */
  poke?: () => void;
}

/**
 * Polls `probe` with vitest's `vi.waitFor` until it returns a value (anything but undefined,
 * null or false) and returns it; fails naming `what` when the timeout passes first. For a plain
 * condition on a value, prefer `expect.poll(() => value).toBe(...)`.
 */
export function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  opts: number | EventuallyOptions = {},
): Promise<T> {
  const { timeout = 20_000, poke } = typeof opts === 'number' ? { timeout: opts } : opts;
  const interval = 50;
  let attempt = 0;
  return vi.waitFor(
    async () => {
      const v = await probe();
      if (v === undefined || v === null || v === false) {
        if (poke && ++attempt % (500 / interval) === 0) poke();
        throw new Error(`timed out waiting for ${what}`);
      }
      return v;
    },
    { timeout, interval },
  );
}
