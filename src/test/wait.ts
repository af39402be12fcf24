import { vi } from 'vitest';

/**
 * Polls `probe` with vitest's `vi.waitFor` until it returns a value (anything but undefined,
 * null or false) and returns it; fails naming `what` when `timeout` passes first. For a plain
 * condition on a value, prefer `expect.poll(() => value).toBe(...)`.
 */
export function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeout = 20_000,
): Promise<T> {
  return vi.waitFor(
    async () => {
      const v = await probe();
      if (v === undefined || v === null || v === false) throw new Error(`timed out waiting for ${what}`);
      return v;
    },
    { timeout, interval: 50 },
  );
}
