/**
 * The vouchers module's parts in a running process, made once per ModuleContext: the keyring
 * and the read service (API and workers), and in worker processes the batch issuer, the
 * `vouchers.issue` queue worker and the sequencer loop.
 */
import type { Job } from 'bullmq';
import client from 'prom-client';
import type { BackgroundService, ModuleContext, WorkerDefinition } from '../../platform/module.js';
import { createIssuer, type Issuer } from './issuer.js';
import { createKeyring, type Keyring, logOriginFor } from './keys.js';
import { ISSUE_QUEUE } from './request.js';
import { createSequencer, type Sequencer } from './sequencer.js';
import { createVoucherService, type VoucherService } from './service.js';

export interface VoucherParts {
  keyring: Keyring;
  service: VoucherService;
  issuer: Issuer;
  sequencer: Sequencer;
}

const parts = new WeakMap<ModuleContext, VoucherParts>();

export function voucherParts(ctx: ModuleContext): VoucherParts {
  let p = parts.get(ctx);
  if (p) return p;
  const { pool } = ctx.database;
  const keyring = createKeyring({
    db: ctx.database.db,
    appSecret: ctx.secrets.appSecret,
    origin: logOriginFor(ctx.config.publicUrl),
  });
  const logger = ctx.logger.child({ component: 'vouchers' });
  const logSize = new client.Gauge({
    name: 'techex_voucher_log_size',
    help: 'Leaves in the voucher transparency log at the last checkpoint this process signed',
    registers: [ctx.metrics.registry],
  });
  const sequencer = createSequencer({
    connectionString: pool.options.connectionString!,
    keyring,
    logger,
    onCheckpoint: (size) => logSize.set(size),
  });
  const issuer = createIssuer({
    pool,
    keyring,
    logger,
    // The batch also recorded voucher.* webhook events: hand their deliveries over now.
    onIssued: () => {
      sequencer.kick();
      ctx.outbox.kick();
    },
  });
  p = {
    keyring,
    service: createVoucherService({ pool, keyring, publicUrl: ctx.config.publicUrl }),
    issuer,
    sequencer,
  };
  parts.set(ctx, p);
  return p;
}

/** Jobs complete when their batch commits; many wait on one batch, so they are cheap to run wide. */
export function voucherWorkers(ctx: ModuleContext): WorkerDefinition[] {
  const { issuer } = voucherParts(ctx);
  return [
    {
      queue: ISSUE_QUEUE,
      concurrency: 64,
      process: (job: Job<{ transactionId: string }>) => issuer.request(job.data.transactionId),
    },
  ];
}

/** The issuing sweep and the sequencer run beside the queue workers. */
export function voucherServices(ctx: ModuleContext): BackgroundService[] {
  const { keyring, issuer, sequencer } = voucherParts(ctx);
  return [
    {
      name: 'vouchers',
      async start() {
        await keyring.ensure();
        issuer.start();
        sequencer.start();
      },
      async stop() {
        await issuer.stop();
        await sequencer.stop();
      },
    },
  ];
}
