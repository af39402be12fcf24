import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { authorize, definePolicies } from '../../platform/authz.js';
import { createBatcher } from '../../platform/batcher.js';
import type { Db } from '../../platform/db.js';
import { ConflictError, type FieldError, UnprocessableError } from '../../platform/errors.js';
import { bindOperations, type Schema } from '../../platform/http/operations.js';
import { registerMessages } from '../../platform/messages.js';
import type { ModuleContext } from '../../platform/module.js';
import type { Principal } from '../../platform/principal.js';
import { findOrganisationsAndVerifiedParties, normalizeIdentifier } from '../identity/index.js';
import { voucherParts } from './jobs.js';
import {
  assertValidVoucherRequests,
  insertValidatedVoucherRequests,
  type VoucherRequest,
} from './request.js';
import { vouchers, voucherTransactions } from './schema.js';

/**
 * Partner exchanges report completed data product transactions here and receive a voucher
 * for each, exactly once per (organisation, externalId): the source id is
 * `<organisationId>:<externalId>`, which the voucher request table keeps unique.
 */
const SOURCE_TYPE = 'data_product';

registerMessages({
  'voucher-submitter-not-party': {
    title: { 'zh-CN': '提交机构不是交易当事人', en: 'The submitting organisation is not a party' },
    detail: {
      'zh-CN':
        '只能为本机构作为卖方或买方的交易申请凭证（合作交易所以其代理的机构身份提交）；请核对当事人的统一社会信用代码。',
      en: "Vouchers are issued for transactions the submitting organisation (or the organisation a partner exchange acts for) is a seller or buyer in; check the parties' credit codes.",
    },
  },
  'voucher-party-name-mismatch': {
    title: { 'zh-CN': '当事人名称与认证机构不符', en: 'A party name differs from its verified organisation' },
    detail: {
      'zh-CN': '统一社会信用代码属于已认证机构的，当事人名称须与该机构名称一致（见 errors）。',
      en: 'Where a credit code belongs to a verified organisation, the party name must be its name (see errors).',
    },
  },
  'voucher-transaction-conflict': {
    title: {
      'zh-CN': '该外部编号已用于另一笔交易',
      en: 'This externalId was used for a different transaction',
    },
    detail: {
      'zh-CN':
        '同一 externalId 已提交过内容不同的交易，凭证不会改变；差异见 differences。请使用新的 externalId 或重发原内容。',
      en: 'The same externalId was submitted with different content; its voucher does not change. See differences; use a new externalId or resend the original.',
    },
  },
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

const sameName = (a: string, b: string) => a.normalize('NFKC').trim() === b.normalize('NFKC').trim();

/** What the submitter states, as the stored request keeps it (the part a re-post must repeat). */
const stated = (r: Pick<VoucherRequest, 'parties' | 'subject' | 'amounts' | 'documentHashes'>) => ({
  parties: r.parties,
  subject: r.subject,
  amounts: r.amounts,
  documentHashes: r.documentHashes,
});

/** Every leaf where `a` and `b` differ, as `path: a → b`. */
export function differences(
  a: unknown,
  b: unknown,
  path = '',
): { field: string; stored: unknown; submitted: unknown }[] {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
  if (isObj(a) && isObj(b) && Array.isArray(a) === Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((k) => differences(a[k], b[k], path ? `${path}/${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b)
    ? []
    : [{ field: path, stored: a ?? null, submitted: b ?? null }];
}

/**
 * The submitter must be a party, and a party holding a verified organisation's code must carry
 * that organisation's name: a voucher is evidence about its parties, not whatever a partner says.
 */
function checkParties(
  org: { creditCode: string | null },
  b: Submission,
  verifiedParties: { creditCode: string; name: string }[],
) {
  const parties = Array.isArray(b.parties) ? b.parties : [];
  if (!org.creditCode || !parties.some((p) => p?.creditCode === org.creditCode))
    throw new UnprocessableError('voucher-submitter-not-party');
  const verified = new Map(verifiedParties.map((o) => [o.creditCode, o.name] as const));
  const errors: FieldError[] = [];
  for (const [i, p] of parties.entries()) {
    const name = verified.get(p.creditCode);
    if (name !== undefined && typeof p.name === 'string' && !sameName(p.name, name))
      errors.push({
        field: `body/parties/${i}/name`,
        message: `the organisation verified with credit code ${p.creditCode} is named ${name}`,
        code: 'party-name',
      });
  }
  if (errors.length) throw new UnprocessableError('voucher-party-name-mismatch', {}, errors);
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
}): Schema<'DataTransactionStatus'> {
  return {
    transactionId: row.transactionId,
    externalId: row.sourceId.slice(row.sourceId.indexOf(':') + 1),
    status: row.status === 'revoked' ? 'revoked' : row.number ? 'issued' : 'pending',
    voucherNumber: row.number,
  };
}

/** One partner submission, as the route has it after authentication and schema validation. */
interface Pending {
  organisationId: string;
  body: Submission;
}

interface Recorded {
  request: VoucherRequest;
  transactionId: string;
  created: boolean;
}

/** Submissions taken together: at most this many per statement, this many statements at once. */
export const SUBMISSION_BATCH = { maxBatch: 200, maxInFlight: 4 };

/**
 * A batch of submissions in two statements whatever its size: one reads every submitting
 * organisation, its sub-centre and the verified organisations among all the parties; after each
 * submission is checked on its own (its own 422 if it fails), one writes the transactions that
 * passed with their issuing jobs. Each submission's answer waits for that write's commit.
 */
async function recordSubmissions(db: Db, items: Pending[]): Promise<(Recorded | Error)[]> {
  const found = await findOrganisationsAndVerifiedParties(
    db,
    items.map((i) => i.organisationId),
    items.flatMap((i) => i.body.parties.map((p) => p.creditCode)),
  );
  const outcomes: (Recorded | Error)[] = new Array(items.length);
  const accepted: { index: number; request: VoucherRequest }[] = [];
  for (const [index, { organisationId, body: b }] of items.entries()) {
    try {
      const org = found.organisations.get(organisationId);
      const point = org?.subCentre;
      if (!org || !point) throw new UnprocessableError('organisation-without-sub-centre');
      checkParties(org, b, found.verified);
      const request: VoucherRequest = {
        type: 'data_product',
        sourceType: SOURCE_TYPE,
        sourceId: `${organisationId}:${b.externalId}`,
        parties: b.parties,
        subject: { title: b.subject.title },
        amounts: b.amounts,
        issuingSubCentre: { code: point.code, name: point.name },
        documentHashes: b.documentHashes,
      };
      assertValidVoucherRequests([request]);
      accepted.push({ index, request });
    } catch (err) {
      outcomes[index] = err as Error;
    }
  }
  if (accepted.length) {
    const results = await insertValidatedVoucherRequests(
      db,
      accepted.map((a) => a.request),
    );
    for (const [k, { index, request }] of accepted.entries()) outcomes[index] = { request, ...results[k]! };
  }
  return outcomes;
}

export async function submissionRoutes(app: FastifyInstance, ctx: ModuleContext): Promise<void> {
  const submit = createBatcher(
    (items: Pending[]) => recordSubmissions(ctx.database.db, items),
    SUBMISSION_BATCH,
  );
  bindOperations(app, {
    submitDataTransaction: async (req, reply) => {
      authorize(req.principal, 'voucher.transaction.submit', {});
      const orgId = req.principal!.organisationId!;
      const b: Submission = {
        ...req.body,
        parties: req.body.parties.map((p) => ({ ...p, creditCode: normalizeIdentifier(p.creditCode) })),
      };
      // Taken in a batch with the submissions arriving meanwhile: two statements per batch, not
      // per submission, and one commit (HTTP submissions per second, issue 14).
      const { request, transactionId, created } = await submit({ organisationId: orgId, body: b });
      if (!created) {
        // The same externalId again: fine when it is the same transaction, never a silent
        // "accepted" for another one (the stored transaction and its voucher do not change).
        const [stored] = await ctx.database.db
          .select({ request: voucherTransactions.request })
          .from(voucherTransactions)
          .where(eq(voucherTransactions.id, transactionId));
        const diff = differences(
          JSON.parse(JSON.stringify(stated(stored!.request as VoucherRequest))),
          JSON.parse(JSON.stringify(stated(request))),
        );
        if (diff.length)
          throw new ConflictError(
            'voucher-transaction-conflict',
            {},
            { transactionId, externalId: b.externalId, differences: diff },
          );
      }
      // The issuing job is the outbox's fallback (request.ts ISSUE_DISPATCH_GRACE_MS): nothing to
      // dispatch now; the issuer of this process, if it runs one, sweeps within its busy interval.
      if (created) voucherParts(ctx).issuer.kick();
      // A transaction recorded just now has no voucher yet: it is pending, with no read needed.
      const row = created
        ? { transactionId, sourceId: request.sourceId, number: null, status: null }
        : await statusOf(ctx, eq(voucherTransactions.id, transactionId));
      return reply.code(202).send({ ...view(row!), created });
    },
    getDataTransaction: async (req) => {
      const row = await statusOf(ctx, eq(voucherTransactions.id, req.params.transactionId));
      authorize(req.principal, 'voucher.transaction.read', row ?? { sourceId: '' });
      return view(row!);
    },
  });
}
