import type { FastifyInstance } from 'fastify';
import { AppError } from '../../platform/errors.js';
import { bindOperations, type Schema } from '../../platform/http/operations.js';
import { registerMessages } from '../../platform/messages.js';
import type { ModuleContext } from '../../platform/module.js';
import { voucherParts } from './jobs.js';
import { renderVoucherPage } from './page.js';
import { toView } from './service.js';

registerMessages({
  'voucher-not-found': {
    title: { 'zh-CN': '凭证不存在', en: 'No such voucher' },
    detail: { 'zh-CN': '没有编号为 {number} 的数据交易凭证。', en: 'There is no voucher numbered {number}.' },
  },
  'voucher-log-not-ready': {
    title: { 'zh-CN': '凭证日志尚未就绪', en: 'The voucher log is not ready' },
    detail: {
      'zh-CN': '透明日志还没有签名的检查点，请稍后重试。',
      en: 'The transparency log has no signed checkpoint yet; retry shortly.',
    },
  },
  'voucher-not-yet-in-log': {
    title: { 'zh-CN': '凭证尚未收录进日志', en: 'The voucher is not in the log yet' },
    detail: {
      'zh-CN': '凭证 {number} 已签发，通常在一秒内收录进透明日志，请稍后重试。',
      en: 'Voucher {number} is issued and is usually in the transparency log within a second; retry shortly.',
    },
  },
  'tree-size-out-of-range': {
    title: { 'zh-CN': '树大小超出范围', en: 'Tree size out of range' },
    detail: {
      'zh-CN': '树大小应在 {min} 到 {max} 之间。',
      en: 'The tree size must be between {min} and {max}.',
    },
  },
});

/** The keyring publishes Ed25519 keys only: its JWKs are the contract's OKP keys. */
const asContractKeys = (k: { keys: unknown[]; checkpointVerifierKeys: string[]; origin: string }) =>
  k as Schema<'VoucherKeys'>;

export async function voucherRoutes(app: FastifyInstance, ctx: ModuleContext): Promise<void> {
  const { service, keyring } = voucherParts(ctx);
  // Keys are created at first start, by whichever process (API or worker) comes first.
  await keyring.ensure();

  bindOperations(app, {
    getVoucherLogCheckpoint: async (_req, reply) => {
      const cp = await service.latestCheckpoint();
      return reply.header('cache-control', 'no-cache').type('text/plain; charset=utf-8').send(cp.note);
    },
    getVoucherConsistencyProof: async (req) => service.consistencyProof(req.query.from, req.query.to),
    getVoucherKeys: async (_req, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      return asContractKeys(await service.keys());
    },
    getVoucherStatusList: async (_req, reply) =>
      reply
        .header('cache-control', 'public, max-age=60')
        .type('application/statuslist+jwt')
        .send(await service.statusList()),
    verifyVoucher: async (req) => service.verify(req.body),
    getVoucher: async (req) => toView(await service.voucher(req.params.number)),
    getVoucherInclusionProof: async (req) => {
      const { proof, checkpoint } = await service.inclusionProof(req.params.number, req.query.treeSize);
      return { proof, checkpoint: checkpoint ?? null };
    },
    getVoucherBundle: async (req, reply) => {
      const bundle = await service.bundle(req.params.number);
      reply.header('content-disposition', `attachment; filename="${bundle.number}.voucher.json"`);
      return { ...bundle, keys: asContractKeys(bundle.keys) };
    },
    getVoucherPage: [
      async (req, reply) => {
        reply.type('text/html; charset=utf-8');
        try {
          const row = await service.voucher(req.params.number);
          const report = await service.verify({ voucher: row.jws });
          return reply.send(
            await renderVoucherPage({ view: toView(row), report, publicUrl: ctx.config.publicUrl }),
          );
        } catch (err) {
          if (err instanceof AppError && err.status === 404) {
            return reply
              .code(404)
              .send(await renderVoucherPage({ missing: req.params.number, publicUrl: ctx.config.publicUrl }));
          }
          throw err;
        }
      },
      { route: { config: { page: true } } },
    ],
  });
}
