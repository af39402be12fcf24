import { and, eq } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authorize, definePolicies } from '../../platform/authz.js';
import { UnprocessableError } from '../../platform/errors.js';
import type { ModuleContext } from '../../platform/http/app.js';
import { bindOperations } from '../../platform/http/operations.js';
import { registerMessages } from '../../platform/messages.js';
import type { Principal } from '../../platform/principal.js';
import { findOrganisation, findSubCentre } from '../identity/index.js';
import { requestVoucherInTx } from './request.js';
import { vouchers, voucherTransactions } from './schema.js';

/**
 * Partner exchanges report completed data product transactions here and receive a voucher
 * for each, exactly once per (organisation, externalId): the source id is
 * `<organisationId>:<externalId>`, which the voucher request table keeps unique.
 */
const SOURCE_TYPE = 'data_product';

registerMessages({
  'organisation-without-sub-centre': {
    title: { 'zh-CN': '机构未归属分中心', en: 'The organisation has no sub-centre' },
    detail: {
      'zh-CN': '签发凭证需要提交机构所属的分中心，请先完善机构信息。',
      en: "A voucher is issued by the submitting organisation's sub-centre; set it first.",
    },
  },
});

definePolicies({
  // Only a verified organisation (一次认证) may have vouchers issued for its transactions.
  'voucher.transaction.submit': (p: Principal | undefined) => !!p?.organisationId && p.orgVerified,
  'voucher.transaction.read': (p: Principal | undefined, t: { sourceId: string }) =>
    p?.organisationId && t.sourceId.startsWith(`${p.organisationId}:`) ? 'allow' : 'hide',
});

interface Submission {
  externalId: string;
  parties: { role: 'seller' | 'buyer'; name: string; creditCode: string }[];
  subject: { title: string };
  amounts: { contractValueFen: number; transactionAmountFen: number };
  documentHashes: { name: string; sha256: string }[];
}

async function statusOf(ctx: ModuleContext, where: ReturnType<typeof eq>) {
  const [row] = await ctx.database.db
    .select({
      transactionId: voucherTransactions.id,
      sourceId: voucherTransactions.sourceId,
      number: vouchers.number,
      status: vouchers.status,
    })
    .from(voucherTransactions)
    .leftJoin(vouchers, eq(vouchers.transactionId, voucherTransactions.id))
    .where(and(eq(voucherTransactions.sourceType, SOURCE_TYPE), where));
  return row;
}

function view(row: {
  transactionId: string;
  sourceId: string;
  number: string | null;
  status: string | null;
}) {
  return {
    transactionId: row.transactionId,
    externalId: row.sourceId.slice(row.sourceId.indexOf(':') + 1),
    status: row.status === 'revoked' ? 'revoked' : row.number ? 'issued' : 'pending',
    voucherNumber: row.number,
  };
}

export async function submissionRoutes(app: FastifyInstance, ctx: ModuleContext): Promise<void> {
  bindOperations(app, {
    submitDataTransaction: async (req: FastifyRequest<{ Body: Submission }>, reply: FastifyReply) => {
      authorize(req.principal, 'voucher.transaction.submit', {});
      const orgId = req.principal!.organisationId!;
      const org = await findOrganisation(ctx.database.db, orgId);
      const point = org?.subCentreId ? await findSubCentre(ctx.database.db, org.subCentreId) : undefined;
      if (!point) throw new UnprocessableError('organisation-without-sub-centre');
      const b = req.body;
      const { transactionId, created } = await ctx.database.db.transaction((tx) =>
        requestVoucherInTx(tx, {
          type: 'data_product',
          sourceType: SOURCE_TYPE,
          sourceId: `${orgId}:${b.externalId}`,
          parties: b.parties,
          subject: { title: b.subject.title },
          amounts: b.amounts,
          issuingSubCentre: { code: point.code, name: point.name },
          documentHashes: b.documentHashes,
        }),
      );
      ctx.outbox.kick();
      const row = await statusOf(ctx, eq(voucherTransactions.id, transactionId));
      return reply.code(202).send({ ...view(row!), created });
    },
    getDataTransaction: async (req: FastifyRequest<{ Params: { transactionId: string } }>) => {
      const row = await statusOf(ctx, eq(voucherTransactions.id, req.params.transactionId));
      authorize(req.principal, 'voucher.transaction.read', row ?? { sourceId: '' });
      return view(row!);
    },
  });
}
