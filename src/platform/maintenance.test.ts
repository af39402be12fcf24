import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { runMaintenance } from './maintenance.js';

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('maintenance', () => {
  it('logs a failing job with its name and error, and still runs the next one', async () => {
    const { logger, lines } = capturingLogger();
    const ran: string[] = [];
    await runMaintenance(
      [
        {
          name: 'broken-prune',
          run: async () => {
            throw new Error('relation "gone" does not exist');
          },
        },
        { name: 'next-prune', run: async () => ran.push('next-prune') },
      ],
      logger,
    );
    expect(ran).toEqual(['next-prune']);
    const failure = lines.find((l) => l.msg === 'maintenance job failed');
    expect(failure).toMatchObject({
      job: 'broken-prune',
      level: 50,
      err: { message: 'relation "gone" does not exist' },
    });
  });

  it('logs what a job pruned, and nothing when it pruned nothing', async () => {
    const { logger, lines } = capturingLogger();
    await runMaintenance(
      [
        { name: 'keys', run: async () => 3 },
        { name: 'empty', run: async () => 0 },
        { name: 'deliveries', run: async () => ({ deliveries: 0, events: 2 }) },
      ],
      logger,
    );
    expect(lines.map((l) => [l.job, l.result])).toEqual([
      ['keys', 3],
      ['deliveries', { deliveries: 0, events: 2 }],
    ]);
  });
});
