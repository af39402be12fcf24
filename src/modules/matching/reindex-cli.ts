import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { loadConfig } from '../../platform/config.js';
import { createLogger } from '../../platform/logger.js';
import { openDatabase } from '../../platform/runtime.js';
import { loadSecrets } from '../../platform/secrets.js';
import { createSearchEngine } from './create-engine.js';
import { DOCUMENT_TYPES, type DocumentType } from './engine.js';
import { type ReindexOptions, reindex } from './reindex.js';
import { semanticIndexFor } from './semantic.js';

const USAGE = `usage: techex reindex [--type achievement|need|expert|institution|offering]`;

/** `techex reindex [--type …]` (dispatched from src/main.ts). */
export async function runReindexCli(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { type: { type: 'string', multiple: true } } });
  const types = (values.type ?? []) as DocumentType[];
  const unknown = types.filter((t) => !DOCUMENT_TYPES.includes(t));
  if (unknown.length) throw new Error(`unknown type ${unknown.join(', ')}\n${USAGE}`);

  const config = loadConfig();
  const logger = createLogger({ ...config, logLevel: 'warn' });
  const secrets = await loadSecrets(config);
  const { database, embedded } = await openDatabase(config, logger, secrets.embeddedDbPassword);
  try {
    // the same engine and namespace the service uses (createSearchEngine's default: the queue prefix)
    const engine = createSearchEngine(config, database);
    await engine.ensureSetup();
    const started = Date.now();
    const progress = progressReporter(process.stdout.isTTY === true);
    // with EMBEDDINGS_URL, the listings' missing or outdated vectors are made too (semantic.ts)
    const semantic = semanticIndexFor({ config, database, logger }, engine);
    const summaries = await reindex(
      { db: database.db, engine, namespace: config.queuePrefix },
      {
        types: types.length ? types : undefined,
        ...progress,
        onApplied: semantic ? (type, docs) => semantic.schedule(type, docs) : undefined,
      },
    ).finally(() => progress.stop());
    if (semantic) {
      await semantic.flush();
      // the stored vectors went into the documents with them; their embedder too (a new Meilisearch)
      await semantic.syncEngine();
      const waiting = (['achievement', 'need'] as const).reduce((n, t) => n + semantic.waiting(t), 0);
      console.log(
        waiting > 0
          ? `embeddings: ${waiting} listings still without a vector (provider failed; see the warnings, run again)`
          : 'embeddings: every listing has its vector',
      );
      semantic.close();
    }
    for (const s of summaries) {
      console.log(`${s.type}: ${s.indexed} indexed, ${s.removed} not public (removed if they were indexed)`);
    }
    console.log(`reindexed on ${engine.kind} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await database.close();
    await embedded?.stop();
  }
}

/** A progress bar per type on a terminal; otherwise a line every 10 % (logs, CI). */
export function progressReporter(tty: boolean): Pick<ReindexOptions, 'onStart' | 'onProgress'> & {
  stop(): void;
} {
  if (tty) {
    let bar: cliProgress.SingleBar | undefined;
    return {
      onStart(type, total) {
        bar?.stop();
        bar = new cliProgress.SingleBar(
          { format: `${type.padEnd(11)} [{bar}] {value}/{total}` },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, 0);
      },
      onProgress({ done, total }) {
        bar?.setTotal(Math.max(total, done));
        bar?.update(done);
      },
      stop: () => bar?.stop(),
    };
  }
  let step = 0;
  return {
    onStart(type, total) {
      step = 0;
      console.log(`${type}: ${total} to index`);
    },
    onProgress({ type, done, total }) {
      const tenth = total > 0 ? Math.floor((done / total) * 10) : 10;
      if (tenth > step) {
        step = tenth;
        console.log(`${type}: ${done}/${total}`);
      }
    },
    stop() {},
  };
}
