import { describe, expect, it } from 'vitest';
import { createBatcher } from './batcher.js';

/** A batch runner whose batches finish when the test says so, recording what each held. */
function gatedRunner() {
  const batches: number[][] = [];
  const gates: (() => void)[] = [];
  const run = async (items: number[]) => {
    batches.push(items);
    await new Promise<void>((resolve) => gates.push(resolve));
    return items.map((i) => (i < 0 ? new Error(`bad ${i}`) : i * 10));
  };
  const openAll = async () => {
    while (gates.length) gates.shift()!();
    await new Promise((r) => setImmediate(r));
  };
  return { batches, run, openAll };
}

describe('natural batching', () => {
  it('sends an item at once while fewer batches run, and groups what arrives meanwhile', async () => {
    const r = gatedRunner();
    const submit = createBatcher(r.run, { maxBatch: 3, maxInFlight: 2 });
    const results = [1, 2, 3, 4, 5, 6].map((i) => submit(i));
    // Two run alone (nothing waited for them); the next ones wait for a free slot.
    expect(r.batches).toEqual([[1], [2]]);
    await r.openAll();
    // Both slots freed: the waiting items went in batches of at most three.
    expect(r.batches).toEqual([[1], [2], [3, 4, 5], [6]]);
    await r.openAll();
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40, 50, 60]);
  });

  it("gives an item's error to its caller alone", async () => {
    const r = gatedRunner();
    const submit = createBatcher(r.run, { maxBatch: 10, maxInFlight: 1 });
    const first = submit(1);
    const rest = [2, -3, 4].map((i) =>
      submit(i).then(
        (v) => v,
        (e: Error) => e.message,
      ),
    );
    await r.openAll();
    await r.openAll();
    expect(r.batches).toEqual([[1], [2, -3, 4]]);
    expect(await first).toBe(10);
    expect(await Promise.all(rest)).toEqual([20, 'bad -3', 40]);
  });

  it('runs each item of a failed batch on its own, so one bad item fails only its caller', async () => {
    const seen: number[][] = [];
    const submit = createBatcher(
      async (items: number[]) => {
        seen.push(items);
        await new Promise((r) => setImmediate(r));
        if (items.includes(13)) throw new Error('statement failed');
        return items.map((i) => i + 1);
      },
      { maxBatch: 10, maxInFlight: 1 },
    );
    const all = [1, 2, 13, 4].map((i) =>
      submit(i).then(
        (v) => v,
        (e: Error) => e.message,
      ),
    );
    expect(await Promise.all(all)).toEqual([2, 3, 'statement failed', 5]);
    expect(seen).toEqual([[1], [2, 13, 4], [2], [13], [4]]);
  });

  it('refuses settings that could never send anything', () => {
    expect(() => createBatcher(async (i: number[]) => i, { maxBatch: 0, maxInFlight: 1 })).toThrow();
    expect(() => createBatcher(async (i: number[]) => i, { maxBatch: 1, maxInFlight: 0 })).toThrow();
  });
});
