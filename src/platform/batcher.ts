/**
 * Natural batching for a hot write path (group commit in the application): callers submit one
 * item each and get their own result, while the items that arrive as earlier batches are still
 * running go together into the next batch — one statement, one round trip and one WAL flush for
 * many requests. At low load nothing waits: with fewer than `maxInFlight` batches running, an item
 * is sent at once, alone. Under load, batches grow by themselves up to `maxBatch`.
 *
 * `run` returns one outcome per item, in order; an outcome may be an Error, which goes to that
 * item's caller alone. When `run` itself throws for a batch of several items, each item is run
 * again on its own, so that one bad item never fails the others (and a real outage fails each
 * caller with its own error).
 */
export interface BatcherOptions {
  /** Items per batch at most. */
  maxBatch: number;
  /** Batches running at once at most (each holds a database connection while it runs). */
  maxInFlight: number;
}

interface Waiting<I, O> {
  item: I;
  resolve: (o: O) => void;
  reject: (e: unknown) => void;
}

export function createBatcher<I, O>(
  run: (items: I[]) => Promise<(O | Error)[]>,
  opts: BatcherOptions,
): (item: I) => Promise<O> {
  if (!(opts.maxBatch >= 1 && opts.maxInFlight >= 1)) throw new Error('maxBatch and maxInFlight must be ≥ 1');
  const queue: Waiting<I, O>[] = [];
  let inFlight = 0;

  const settle = (w: Waiting<I, O>, o: O | Error | undefined) => {
    if (o instanceof Error) w.reject(o);
    else if (o === undefined) w.reject(new Error('the batch returned no outcome for an item'));
    else w.resolve(o);
  };

  async function runBatch(batch: Waiting<I, O>[]): Promise<void> {
    try {
      const outcomes = await run(batch.map((w) => w.item));
      for (const [i, w] of batch.entries()) settle(w, outcomes[i]);
    } catch (err) {
      if (batch.length === 1) batch[0]!.reject(err);
      else await Promise.all(batch.map((w) => runBatch([w])));
    }
  }

  function pump(): void {
    while (inFlight < opts.maxInFlight && queue.length > 0) {
      const batch = queue.splice(0, opts.maxBatch);
      inFlight++;
      void runBatch(batch).finally(() => {
        inFlight--;
        pump();
      });
    }
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      pump();
    });
}
