import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestContext } from '../test/app.js';
import type { TestContext } from '../test/context.js';
import { auditHistory, recordAudit } from './audit.js';
import { newId } from './ids.js';

let ctx: TestContext;
const fixture = useTestContext();
beforeAll(async () => {
  ({ ctx } = fixture);
});

describe('audit trail', () => {
  it('records who changed what, before and after, in the caller’s transaction', async () => {
    const objectId = newId();
    await ctx.database.db.transaction(async (tx) => {
      await recordAudit(tx, {
        actor: { type: 'user', id: 'u1' },
        action: 'achievement.submit',
        objectType: 'achievement',
        objectId,
        before: { status: 'draft' },
        after: { status: 'submitted' },
        requestId: 'r1',
      });
    });
    await expect(
      ctx.database.db.transaction(async (tx) => {
        await recordAudit(tx, {
          actor: { type: 'system' },
          action: 'x',
          objectType: 'achievement',
          objectId,
        });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow();
    const history = await auditHistory(ctx.database.db, 'achievement', objectId, { limit: 10 });
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({
      action: 'achievement.submit',
      before: { status: 'draft' },
      after: { status: 'submitted' },
      actorId: 'u1',
    });
  });

  it('cannot be rewritten: updates and deletes are refused by the database', async () => {
    const objectId = newId();
    await recordAudit(ctx.database.db, { actor: { type: 'system' }, action: 'a', objectType: 't', objectId });
    await expect(
      ctx.database.db.execute(sql`UPDATE audit_events SET action = 'b' WHERE object_id = ${objectId}`),
    ).rejects.toThrow();
    await expect(
      ctx.database.db.execute(sql`DELETE FROM audit_events WHERE object_id = ${objectId}`),
    ).rejects.toThrow();
    expect(await auditHistory(ctx.database.db, 't', objectId, { limit: 5 })).toHaveLength(1);
  });
});
