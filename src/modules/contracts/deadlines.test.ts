import { beforeAll, describe, expect, it } from 'vitest';
import { useTestContext } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { application, createPoint, type Point, principalOf } from '../../test/fixtures/contracts.js';
import { returnForCorrection, takeForReview } from './review.js';
import { type ContractDeps, createContract, listOverdueContracts, submitContract } from './service.js';
import type { Caller } from './view.js';

let ctx: TestContext;
let point: Point;
let applicant: Caller;
let registrar: Caller;
const at = (iso: string): ContractDeps => ({
  db: ctx.database.db,
  cursors: ctx.cursors,
  outbox: ctx.outbox,
  now: () => new Date(iso),
});

const fixture = useTestContext();
beforeAll(async () => {
  ({ ctx } = fixture);
  point = await createPoint(ctx);
  applicant = { principal: await principalOf(ctx, point.applicant) };
  registrar = { principal: await principalOf(ctx, point.registrar) };
});

// 2025 National Day and Mid-Autumn: 1–8 October off; Sunday 28 September and Saturday
// 11 October are working days (国办发明电〔2024〕12号). Counted by hand from Friday 26 September:
// 28/9, 29/9, 30/9, 9/10, 10/10, 11/10, 13–17/10, 20–23/10 → the 15th working day is 23 October.
describe('due dates in working days', () => {
  it('15 working days across the National Day holiday', async () => {
    const c = await createContract(at('2025-09-26T02:00:00Z'), applicant, application(point));
    const s = await submitContract(at('2025-09-26T02:00:00Z'), applicant, c.id);
    expect(s).toMatchObject({ reviewWorkingDays: 15, dueDate: '2025-10-23' });
  });

  it('30 working days for a large contract: 13 November', async () => {
    const c = await createContract(
      at('2025-09-26T02:00:00Z'),
      applicant,
      application(point, { contractValueFen: 6_000_000_00 }),
    );
    const s = await submitContract(at('2025-09-26T02:00:00Z'), applicant, c.id);
    expect(s).toMatchObject({ reviewWorkingDays: 30, dueDate: '2025-11-13' });
  });

  it('a submission late on 30 September UTC is 1 October in China: counted from then', async () => {
    const c = await createContract(at('2025-09-30T17:00:00Z'), applicant, application(point));
    // From 1 October: 9, 10, 11, 13–17, 20–24, 27, 28 October → 15th is 28 October.
    expect((await submitContract(at('2025-09-30T17:00:00Z'), applicant, c.id)).dueDate).toBe('2025-10-28');
  });

  it('the clock restarts on resubmission; the overdue list shows what is past due', async () => {
    const c = await createContract(at('2025-09-26T02:00:00Z'), applicant, application(point));
    await submitContract(at('2025-09-26T02:00:00Z'), applicant, c.id);
    await takeForReview(at('2025-10-09T02:00:00Z'), registrar, c.id);

    const onDueDay = await listOverdueContracts(at('2025-10-23T15:59:00Z'), registrar, {});
    expect(onDueDay.items.map((x) => x.id)).not.toContain(c.id);
    const dayAfter = await listOverdueContracts(at('2025-10-23T16:00:00Z'), registrar, {});
    expect(dayAfter.items.map((x) => x.id)).toContain(c.id);
    expect(dayAfter.items.every((x) => x.subCentreId === point.subCentre.id)).toBe(true);

    await returnForCorrection(at('2025-10-17T02:00:00Z'), registrar, c.id, [
      { code: 'amount_unclear', message: '请说明非技术性费用构成' },
    ]);
    // Resubmitted Monday 20 October: 21–24, 27–31 October, 3–7, 10 November → due 10 November.
    const again = await submitContract(at('2025-10-20T02:00:00Z'), applicant, c.id);
    expect(again.dueDate).toBe('2025-11-10');
    const later = await listOverdueContracts(at('2025-10-24T02:00:00Z'), registrar, {});
    expect(later.items.map((x) => x.id)).not.toContain(c.id);
  });

  it('the overdue list is for registrars and operators', async () => {
    await expect(listOverdueContracts(at('2025-12-01T00:00:00Z'), applicant, {})).rejects.toMatchObject({
      status: 403,
    });
  });
});
