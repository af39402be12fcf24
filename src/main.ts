import { parseArgs } from 'node:util';
import closeWithGrace from 'close-with-grace';
import { MODULES } from './modules/index.js';
import { ConfigError, loadConfig } from './platform/config.js';
import { createLogger } from './platform/logger.js';
import { createQueueFactory } from './platform/queue.js';
import { openDatabase, queueBackendFor, startRuntime } from './platform/runtime.js';
import { loadSecrets } from './platform/secrets.js';

const HELP = `techex — backend of the Jiangsu technology property exchange (技术产权交易市场)

Usage: techex <command> [options]

Commands:
  start                 API and workers in one process (embedded defaults when DATABASE_URL is unset)
  serve                 the HTTP API only
  worker                the queue workers only
  migrate               apply database migrations and exit
  jobs failed [queue]   list failed jobs (all known queues, or one)
  jobs retry <queue> <jobId>
                        retry one failed job
  voucher verify <bundle.json> [--keys <keys.json>] [--json]
                        verify a data transaction voucher bundle offline
  voucher rotate-key <voucher|checkpoint>
                        retire the current voucher or checkpoint key and make a new one
  admin <command>       identity administration: create-operator, assign-registrar,
                        register-client, rotate-keys (\`techex admin\` lists the options)
  admin calendar import <file>
                        load a year's holiday arrangement (review due dates); \`show\` lists the years
  import achievements <file.csv|file.xlsx> --org <id|credit code> [--dry-run] [--submit]
                        import achievements from a spreadsheet as drafts (preview with --dry-run)
  seed --demo           load the demo exchange into an empty catalog
  reindex [--type achievement|need|expert|institution]
                        rebuild the search index from the database (with the stored synonyms)
  help                  this text

Configuration is read from the environment; see README.md.`;

async function run(kind: { api: boolean; workers: boolean }) {
  const config = loadConfig();
  const runtime = await startRuntime(config, { ...kind, modules: MODULES });
  const { logger } = runtime;
  logger.info(
    {
      url: kind.api ? config.publicUrl : undefined,
      embedded: config.embedded,
      queue: runtime.ctx.queues.backend,
    },
    kind.api ? `techex listening on ${config.host}:${config.port}` : 'techex workers running',
  );
  const grace = config.shutdownTimeoutMs;
  closeWithGrace({ delay: grace + 4000, logger }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'shutting down after an error');
    else logger.info({ signal }, 'shutting down');
    // Drain within the grace period; whatever happens, the embedded database is stopped last.
    await Promise.race([runtime.close(), new Promise((r) => setTimeout(r, grace))]);
    await runtime.embedded?.stop();
  });
}

async function jobs(args: string[]) {
  const config = loadConfig();
  const logger = createLogger({ ...config, logLevel: 'warn' });
  const secrets = await loadSecrets(config);
  const { database, url, embedded } = await openDatabase(config, logger, secrets.embeddedDbPassword);
  const queues = createQueueFactory(queueBackendFor(config, url), logger);
  try {
    const [sub, queue, jobId] = args;
    if (sub === 'failed' && queue) {
      const failed = await queues.queue(queue).getFailed(0, 99);
      for (const j of failed) {
        console.log(`${queue}\t${j.id}\t${j.attemptsMade} attempts\t${j.failedReason ?? ''}`);
      }
      if (!failed.length) console.log(`no failed jobs in ${queue}`);
    } else if (sub === 'retry' && queue && jobId) {
      const job = await queues.queue(queue).getJob(jobId);
      if (!job) throw new Error(`no job ${jobId} in ${queue}`);
      await job.retry('failed');
      console.log(`retrying ${queue}/${jobId}`);
    } else {
      throw new Error('usage: techex jobs failed <queue> | techex jobs retry <queue> <jobId>');
    }
  } finally {
    await queues.close();
    await database.close();
    await embedded?.stop();
  }
}

async function main(argv: string[]) {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, strict: false });
  const [command = 'help', ...rest] = positionals;
  switch (command) {
    case 'start':
      return run({ api: true, workers: true });
    case 'serve':
      return run({ api: true, workers: false });
    case 'worker':
      return run({ api: false, workers: true });
    case 'migrate': {
      const config = loadConfig();
      const logger = createLogger(config);
      const secrets = await loadSecrets(config);
      const { database, embedded } = await openDatabase(config, logger, secrets.embeddedDbPassword);
      await database.close();
      await embedded?.stop();
      logger.info('migrations applied');
      return;
    }
    case 'jobs':
      return jobs(rest);
    case 'voucher': {
      // Raw arguments: the module parses its own options (e.g. --keys <file>).
      const { voucherCommand } = await import('./modules/vouchers/cli.js');
      process.exitCode = await voucherCommand(argv.slice(argv.indexOf('voucher') + 1));
      return;
    }
    case 'admin': {
      if (rest[0] === 'calendar') {
        // The holiday calendar of contract review due dates (contracts module).
        const { runCalendarCli } = await import('./modules/contracts/cli.js');
        process.exitCode = await runCalendarCli(argv.slice(argv.indexOf('calendar') + 1));
        return;
      }
      // Raw arguments: the identity CLI parses its own options (--email, --sub-centre …).
      const { runAdminCli } = await import('./modules/identity/cli.js');
      return runAdminCli(argv.slice(argv.indexOf('admin') + 1));
    }
    case 'import':
    case 'seed': {
      // Raw arguments: the catalog CLI parses its own options (--org, --dry-run, --demo).
      const { runCatalogCli } = await import('./modules/catalog/cli.js');
      return runCatalogCli(command, argv.slice(argv.indexOf(command) + 1));
    }
    case 'reindex': {
      const { runReindexCli } = await import('./modules/matching/reindex-cli.js');
      return runReindexCli(argv.slice(argv.indexOf('reindex') + 1));
    }
    case 'help':
    case '--help':
      console.log(HELP);
      return;
    default:
      console.error(`unknown command: ${command}\n\n${HELP}`);
      process.exitCode = 2;
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(78); // EX_CONFIG
  }
  console.error(err);
  process.exit(1);
});
