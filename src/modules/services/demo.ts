import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Actor } from '../../platform/audit.js';
import type { Db, Tx } from '../../platform/db.js';
import { newId } from '../../platform/ids.js';
import {
  findOrganisationByCreditCode,
  findOrganisationsByType,
  type Organisation,
} from '../identity/index.js';
import { chinaToday, type ServiceKind } from './kinds.js';
import type { OrderAction, OrderStatus } from './lifecycle.js';
import { requestVoucher } from './orders.js';
import { dueDateFor } from './ports.js';
import { serviceOfferings, serviceOrders, serviceQuotes, serviceRequests } from './schema.js';
import { offeringChanged } from './search-feed.js';
import { recordOrderStep } from './steps.js';
import type { OfferingRow, OrderRow } from './views.js';

const SYSTEM: Actor = { type: 'system', id: 'techex-demo-seed' };
/** The demo enterprise the README signs in as (identity/demo-accounts.ts). */
const DEMO_ENTERPRISE_CODE = '91320594MA1MDEM0X9';

/** What a demo institution offers, by the words of its name. */
const BY_NAME: [RegExp, ServiceKind, string, number | null][] = [
  [/资产评估/, 'asset_valuation', '科技成果与知识产权资产评估', 2_000_000],
  [/知识产权|专利/, 'ip_filing', '发明专利申请代理（含撰写）', 600_000],
  [/律师/, 'legal', '技术转让合同法律审查', 300_000],
  [/孵化/, 'incubation', '科技型初创企业入驻孵化', null],
  [/投资/, 'financing', '科技成果转化项目融资对接', null],
];
const LICENSED: Partial<Record<ServiceKind, string>> = {
  asset_valuation: '苏财资评备〔2024〕0',
  legal: '律师事务所执业许可证 3201',
};

export interface ServicesDemoSummary {
  skipped: boolean;
  offerings: number;
  orders: number;
}

/** At start-up on embedded defaults: an empty marketplace gets the demo's offerings and orders. */
export async function seedServicesOnStart(
  db: Db,
  config: { seedDemo: boolean; env: string },
): Promise<ServicesDemoSummary | undefined> {
  if (!config.seedDemo || config.env === 'production') return undefined;
  return db.transaction(async (tx) => {
    // Processes starting together: one seeds, the others then find offerings and skip.
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('techex-demo-services'))`);
    const { rows } = await tx.execute(sql`SELECT 1 FROM ${serviceOfferings} LIMIT 1`);
    if (rows.length) return { skipped: true, offerings: 0, orders: 0 };
    const institutions = await findOrganisationsByType(tx, 'service_institution', 20);
    const buyer =
      (await findOrganisationByCreditCode(tx, DEMO_ENTERPRISE_CODE)) ??
      (await findOrganisationsByType(tx, 'enterprise', 1))[0];
    return seedServicesDemo(tx, institutions, buyer);
  });
}

/**
 * Published offerings for the given institutions (one each, by the kind their name says), and,
 * when there is a buyer, four orders of the first institution offering a price: accepted, in
 * progress, delivered, and closed (rated, with its voucher requested). Small and fast: a few
 * dozen rows, each step recorded as the API would (history, audit, inbox).
 */
export async function seedServicesDemo(
  tx: Tx,
  institutions: Organisation[],
  buyer: Organisation | undefined,
): Promise<ServicesDemoSummary> {
  const offerings: OfferingRow[] = [];
  for (const [i, org] of institutions.entries()) {
    const match = BY_NAME.find(([re]) => re.test(org.name));
    if (!match) continue;
    const [, kind, title, priceFen] = match;
    const licence = LICENSED[kind];
    const [row] = await tx
      .insert(serviceOfferings)
      .values({
        id: newId(),
        organisationId: org.id,
        subCentreId: org.subCentreId,
        kind,
        title,
        description: `${org.name}提供${title}服务，面向高校院所与科技型企业。`,
        priceModel: priceFen === null ? 'quote' : 'from',
        priceFen,
        turnaroundDays: kind === 'incubation' ? 20 : 10,
        regionCodes: org.regionCode ? [`${org.regionCode.slice(0, 2)}0000`] : [],
        fieldCodes: ['01', '02'],
        qualification: licence
          ? {
              licenceNo: `${licence}${String(i + 1).padStart(2, '0')}号`,
              validUntil: `${Number(chinaToday().slice(0, 4)) + 2}-12-31`,
            }
          : null,
        status: 'published',
        publishedAt: new Date(),
      })
      .returning();
    offerings.push(row!);
    await offeringChanged(tx, row!.id); // published: indexed for search and matching like the API's
  }
  const priced = offerings.find((o) => o.priceFen !== null);
  if (!buyer || !priced) return { skipped: false, offerings: offerings.length, orders: 0 };
  const paths: OrderStatus[][] = [
    ['accepted'],
    ['accepted', 'in_progress'],
    ['accepted', 'in_progress', 'delivered'],
    ['accepted', 'in_progress', 'delivered', 'accepted_by_buyer', 'closed'],
  ];
  const actionTo: Partial<Record<OrderStatus, OrderAction>> = {
    in_progress: 'start',
    delivered: 'deliver',
    accepted_by_buyer: 'approve',
    closed: 'close',
  };
  for (const [n, path] of paths.entries()) {
    const [request] = await tx
      .insert(serviceRequests)
      .values({
        id: newId(),
        organisationId: buyer.id,
        kind: priced.kind,
        title: `演示需求 ${n + 1}：${priced.title}`,
        description: '企业拟受让一项发明专利，需要第三方服务。',
        fieldCodes: ['01'],
        regionCode: buyer.regionCode,
        status: 'ordered',
      })
      .returning();
    const [quote] = await tx
      .insert(serviceQuotes)
      .values({
        id: newId(),
        requestId: request!.id,
        offeringId: priced.id,
        organisationId: priced.organisationId,
        priceFen: priced.priceFen! + n * 100_000,
        turnaroundDays: priced.turnaroundDays,
        validUntil: chinaToday(new Date(Date.now() + 30 * 86_400_000)),
      })
      .returning();
    let [order] = await tx
      .insert(serviceOrders)
      .values({
        id: newId(),
        requestId: request!.id,
        quoteId: quote!.id,
        offeringId: priced.id,
        kind: priced.kind,
        title: request!.title,
        buyerOrganisationId: buyer.id,
        buyerSubCentreId: buyer.subCentreId,
        institutionOrganisationId: priced.organisationId,
        priceFen: quote!.priceFen,
        turnaroundDays: quote!.turnaroundDays,
        status: 'accepted',
        dueDate: await dueDateFor(tx, new Date(), quote!.turnaroundDays),
      })
      .returning();
    await recordOrderStep(tx, 'accept', order!, 'quoted', SYSTEM, { quoteId: quote!.id });
    for (const [k, status] of path.slice(1).entries()) {
      const from = path[k]!;
      const set: Partial<OrderRow> = { status };
      if (status === 'delivered') {
        set.deliverables = [{ name: '服务报告.pdf', sha256: sha256Of(order!.id) }];
        set.deliveredAt = new Date();
      }
      if (status === 'closed') {
        set.closedAt = new Date();
        set.rating = { score: 5, text: '报告专业，交付及时。', at: new Date().toISOString() };
      }
      [order] = await tx
        .update(serviceOrders)
        .set(set)
        .where(sql`${serviceOrders.id} = ${order!.id}`)
        .returning();
      const data: Record<string, unknown> = {};
      if (status === 'closed') data.voucherRequested = await requestVoucher(tx, order!);
      await recordOrderStep(tx, actionTo[status]!, order!, from, SYSTEM, data);
    }
    if (path.includes('closed'))
      await tx
        .update(serviceOfferings)
        .set({
          ratingCount: sql`${serviceOfferings.ratingCount} + 1`,
          ratingSum: sql`${serviceOfferings.ratingSum} + 5`,
        })
        .where(sql`${serviceOfferings.id} = ${priced.id}`);
  }
  return { skipped: false, offerings: offerings.length, orders: paths.length };
}

/** A stand-in document hash for the demo report (the demo has no documents). */
function sha256Of(s: string): string {
  return createHash('sha256').update(`demo-report:${s}`).digest('hex');
}
