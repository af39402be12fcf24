import { createHash } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { createActor, createClientActor, createOrganisation } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { useVoucherIssuing } from '../../test/fixtures/voucher-issuing.js';
import { randomCreditCode } from '../../test/ids.js';
import { organisations } from '../identity/schema.js';
import { vouchersModule } from './module.js';

const SELLER = { name: '江苏某数据科技有限公司', creditCode: '91350100M000100Y43' };

// A partner exchange reports a completed data product transaction and gets its voucher.
let ctx: TestContext;
let app: FastifyInstance;

const fixture = useTestApp([vouchersModule.routes!]);
useVoucherIssuing(fixture, { workers: true });
beforeAll(() => {
  ({ ctx, app } = fixture);
});

/** A verified organisation with a valid credit code of its own: a party to what it submits. */
const partyOrg = () => createOrganisation(ctx, { verified: true, creditCode: randomCreditCode() });

const submission = (externalId: string, seller: { name: string; creditCode: string | null } = SELLER) => ({
  externalId,
  parties: [
    { role: 'seller', name: seller.name, creditCode: seller.creditCode },
    { role: 'buyer', name: '南京某智能制造有限公司', creditCode: '91110108551385082Q' },
  ],
  subject: { title: '工业设备运行数据集（2026 年度）' },
  amounts: { contractValueFen: 12_000_000, transactionAmountFen: 12_000_000 },
  documentHashes: [{ name: 'contract', sha256: createHash('sha256').update(externalId).digest('hex') }],
});

describe('data product transactions from partner exchanges', () => {
  it('issues exactly one voucher per externalId and lets only the submitter read it', async () => {
    const partnerOrg = await partyOrg();
    const partner = await createClientActor(ctx, partnerOrg, ['vouchers:write']);
    const externalId = `dx-${ctx.tag}`;
    const first = await app.inject({
      method: 'POST',
      url: '/v1/vouchers/transactions',
      headers: partner.headers,
      payload: submission(externalId, partnerOrg),
    });
    expect(first.statusCode, first.body).toBe(202);
    expect(first.json()).toMatchObject({ externalId, created: true });
    const again = await app.inject({
      method: 'POST',
      url: '/v1/vouchers/transactions',
      headers: partner.headers,
      payload: submission(externalId, partnerOrg),
    });
    expect(again.json()).toMatchObject({ transactionId: first.json().transactionId, created: false });

    const url = `/v1/vouchers/transactions/${first.json().transactionId}`;
    let status = first.json();
    for (let i = 0; i < 150 && status.status !== 'issued'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await app.inject({ url, headers: partner.headers })).json();
    }
    expect(status.status).toBe('issued');
    const voucher = (await app.inject(`/v1/vouchers/${status.voucherNumber}`)).json();
    expect(voucher.payload).toMatchObject({
      type: 'data_product',
      subject: { title: '工业设备运行数据集（2026 年度）' },
    });

    const stranger = await createClientActor(ctx, await createOrganisation(ctx, { verified: true }), [
      'vouchers:write',
    ]);
    expect((await app.inject({ url, headers: stranger.headers })).statusCode).toBe(404);
  });

  it('refuses unverified organisations, missing scope and malformed hashes', async () => {
    const unverified = await createClientActor(ctx, await createOrganisation(ctx), ['vouchers:write']);
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/v1/vouchers/transactions',
          headers: unverified.headers,
          payload: submission('x1'),
        })
      ).statusCode,
    ).toBe(403);
    const noScope = await createActor(ctx, {
      organisation: await createOrganisation(ctx, { verified: true }),
      scopes: ['catalog:read'],
    });
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/v1/vouchers/transactions',
          headers: noScope.headers,
          payload: submission('x2'),
        })
      ).statusCode,
    ).toBe(403);
    const org = await partyOrg();
    const partner = await createClientActor(ctx, org, ['vouchers:write']);
    const bad = { ...submission('x3', org), documentHashes: [{ name: 'contract', sha256: 'not-a-hash' }] };
    const res = await app.inject({
      method: 'POST',
      url: '/v1/vouchers/transactions',
      headers: partner.headers,
      payload: bad,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].field).toMatch(/documentHashes/);
  });
});

describe('what a partner may have signed', () => {
  const post = (who: { headers: Record<string, string> }, payload: object) =>
    app.inject({ method: 'POST', url: '/v1/vouchers/transactions', headers: who.headers, payload });

  it('refuses a transaction amount above the contract value, as registration does', async () => {
    const org = await partyOrg();
    const partner = await createClientActor(ctx, org, ['vouchers:write']);
    const res = await post(partner, {
      ...submission(`amt-${ctx.tag}`, org),
      amounts: { contractValueFen: 100_00, transactionAmountFen: 100_01 },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toContainEqual(
      expect.objectContaining({
        field: 'amounts.transactionAmountFen',
        message: 'is above $.amounts.contractValueFen',
      }),
    );
  });

  it('refuses a transaction between two other organisations', async () => {
    const org = await partyOrg();
    const partner = await createClientActor(ctx, org, ['vouchers:write']);
    const res = await post(partner, submission(`others-${ctx.tag}`));
    expect(res.statusCode).toBe(422);
    expect(res.json().type).toBe('/problems/voucher-submitter-not-party');
    // As the buyer it may.
    const asBuyer = submission(`buyer-${ctx.tag}`);
    asBuyer.parties[1] = { role: 'buyer', name: org.name, creditCode: org.creditCode!.toLowerCase() };
    expect((await post(partner, asBuyer)).statusCode).toBe(202);
  });

  it("refuses another name for a verified organisation's credit code", async () => {
    const org = await partyOrg();
    const other = await partyOrg();
    const partner = await createClientActor(ctx, org, ['vouchers:write']);
    const body = submission(`names-${ctx.tag}`, org);
    body.parties[1] = { role: 'buyer', name: '随便写的名称有限公司', creditCode: other.creditCode! };
    const res = await post(partner, body);
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ type: '/problems/voucher-party-name-mismatch' });
    expect(res.json().errors).toEqual([
      expect.objectContaining({ field: 'body/parties/1/name', message: expect.stringContaining(other.name) }),
    ]);
    const self = submission(`self-${ctx.tag}`, { ...org, name: '冒名机构' });
    expect((await post(partner, self)).statusCode).toBe(422);
  });

  it('refuses control characters precisely and bidirectional overrides in names and titles', async () => {
    const org = await partyOrg();
    const partner = await createClientActor(ctx, org, ['vouchers:write']);
    const bell = await post(partner, {
      ...submission(`bell-${ctx.tag}`, org),
      subject: { title: '数据\u0007集' },
    });
    expect(bell.statusCode).toBe(400);
    expect(bell.json().errors).toContainEqual(
      expect.objectContaining({
        field: 'subject.title',
        message: 'contains the control character U+0007 at position 3',
      }),
    );
    const body = submission(`rlo-${ctx.tag}`, org);
    body.parties[1] = { ...body.parties[1]!, name: '南京\u202e司公限有' };
    const rlo = await post(partner, body);
    expect(rlo.statusCode).toBe(400);
    expect(rlo.json().errors).toContainEqual(
      expect.objectContaining({
        field: 'parties[1].name',
        message: 'contains the bidirectional formatting character U+202E at position 3',
      }),
    );
  });

  it('answers 409 with the difference when an externalId is re-posted with another body', async () => {
    const org = await partyOrg();
    const partner = await createClientActor(ctx, org, ['vouchers:write']);
    const externalId = `diff-${ctx.tag}`;
    const first = await post(partner, submission(externalId, org));
    expect(first.statusCode).toBe(202);
    const changed = {
      ...submission(externalId, org),
      amounts: { contractValueFen: 12_000_000, transactionAmountFen: 11_000_000 },
    };
    const res = await post(partner, changed);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({
      type: '/problems/voucher-transaction-conflict',
      transactionId: first.json().transactionId,
      differences: [{ field: 'amounts/transactionAmountFen', stored: 12_000_000, submitted: 11_000_000 }],
    });
    // The same body again is still the same transaction.
    expect((await post(partner, submission(externalId, org))).json()).toMatchObject({
      transactionId: first.json().transactionId,
      created: false,
    });
  });

  it('takes submissions arriving together in batches and answers each on its own', async () => {
    const inject = (who: { headers: Record<string, string> }, payload: object) =>
      app.inject({ method: 'POST', url: '/v1/vouchers/transactions', headers: who.headers, payload });
    const orgs = await Promise.all([partyOrg(), partyOrg(), partyOrg()]);
    const partners = await Promise.all(orgs.map((o) => createClientActor(ctx, o, ['vouchers:write'])));
    const homeless = await partyOrg();
    await ctx.database.db
      .update(organisations)
      .set({ subCentreId: null })
      .where(eq(organisations.id, homeless.id));
    const homelessPartner = await createClientActor(ctx, homeless, ['vouchers:write']);
    const other = await partyOrg();

    const valid = Array.from({ length: 30 }, (_, i) => ({
      who: partners[i % 3]!,
      body: submission(`batch-${ctx.tag}-${i}`, orgs[i % 3]!),
    }));
    const misnamed = submission(`batch-${ctx.tag}-misnamed`, orgs[0]!);
    misnamed.parties[1] = { role: 'buyer', name: '随便写的名称有限公司', creditCode: other.creditCode! };
    const twice = submission(`batch-${ctx.tag}-twice`, orgs[1]!);
    const changed = { ...twice, subject: { title: '另一个数据集' } };

    // Organisation reads of this route's statements, counted as they are sent (the issuer, the
    // sequencer and the outbox run beside it and are not counted).
    let reads = 0;
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: Parameters<typeof query>) {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text;
      if (text?.includes('FROM organisations o LEFT JOIN sub_centres s')) reads++;
      return Reflect.apply(query, this, args);
    } as typeof query;
    let answers: Awaited<ReturnType<typeof inject>>[];
    try {
      answers = await Promise.all([
        ...valid.map((v) => inject(v.who, v.body)),
        inject(partners[0]!, misnamed),
        inject(homelessPartner, submission(`batch-${ctx.tag}-homeless`, homeless)),
        inject(partners[1]!, twice),
        inject(partners[1]!, twice),
        inject(partners[1]!, changed),
      ]);
    } finally {
      pg.Client.prototype.query = query;
    }
    // 35 submissions at once: a handful of batches, not a read per submission.
    expect(reads).toBeGreaterThan(0);
    expect(reads).toBeLessThan(20);

    const [misnamedRes, homelessRes, twiceA, twiceB, changedRes] = answers.slice(30);
    for (const [i, res] of answers.slice(0, 30).entries()) {
      expect(res.statusCode, res.body).toBe(202);
      expect(res.json()).toMatchObject({
        externalId: `batch-${ctx.tag}-${i}`,
        created: true,
        status: 'pending',
      });
    }
    expect(misnamedRes!.statusCode).toBe(422);
    expect(misnamedRes!.json()).toMatchObject({
      type: '/problems/voucher-party-name-mismatch',
      errors: [expect.objectContaining({ field: 'body/parties/1/name' })],
    });
    expect(homelessRes!.statusCode).toBe(422);
    expect(homelessRes!.json()).toMatchObject({ type: '/problems/organisation-without-sub-centre' });
    // The same transaction twice in one batch: one recorded it, the other is told it exists.
    expect(twiceA!.statusCode).toBe(202);
    expect(twiceB!.statusCode).toBe(202);
    expect(twiceA!.json().transactionId).toBe(twiceB!.json().transactionId);
    expect([twiceA!.json().created, twiceB!.json().created].sort()).toEqual([false, true]);
    expect(changedRes!.statusCode).toBe(409);
    expect(changedRes!.json()).toMatchObject({ transactionId: twiceA!.json().transactionId });

    // What was stored: the 30 valid ones and the twice-posted one, each with its own request and
    // one issuing job; nothing of the refused ones.
    const stored = await ctx.database.db.execute<{ source_id: string; title: string; jobs: number }>(sql`
      SELECT t.source_id, t.request->'subject'->>'title' AS title,
             (SELECT count(*)::int FROM outbox_jobs j WHERE j.id = t.id) AS jobs
        FROM voucher_transactions t WHERE t.source_id LIKE ${`%:batch-${ctx.tag}-%`}`);
    expect(stored.rows).toHaveLength(31);
    expect(stored.rows.every((r) => r.jobs === 1)).toBe(true);
    const bySource = new Map(stored.rows.map((r) => [r.source_id, r]));
    for (const [i, v] of valid.entries())
      expect(bySource.get(`${orgs[i % 3]!.id}:batch-${ctx.tag}-${i}`)?.title).toBe(v.body.subject.title);
    expect(bySource.get(`${orgs[1]!.id}:batch-${ctx.tag}-twice`)?.title).toBe(twice.subject.title);
  });
});
