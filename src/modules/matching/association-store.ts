/**
 * The catalog's term associations (associations.ts) in PostgreSQL (`matching_term_associations`,
 * per namespace), whichever engine runs: rebuilt from the public listings by the
 * `matching.associations` job, which catalog changes schedule debounced (one rebuild per
 * `ASSOCIATIONS_DEBOUNCE_MS` window at most, at its end), and read by the match endpoints through
 * a per-process cache refreshed every `ASSOCIATIONS_REFRESH_MS`.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../../platform/db.js';
import type { AnyQueue } from '../../platform/queue.js';
import { type ListingKind, listPublicListings } from '../catalog/index.js';
import {
  ASSOCIATION_PARAMS,
  type Association,
  type AssociationParams,
  AssociationTable,
  learnAssociations,
  listingUnits,
} from './associations.js';
import { listingDocument } from './projection.js';
import { matchingTermAssociations } from './schema.js';

/** Rebuild the associations of a namespace from its public listings (job id: see `scheduleRebuild`). */
export const ASSOCIATIONS_QUEUE = 'matching.associations';
declare module '../../platform/queue.js' {
  interface QueueRegistry {
    [ASSOCIATIONS_QUEUE]: { namespace: string };
  }
}

/** Catalog changes within one window cause one rebuild, at the window's end. */
export const ASSOCIATIONS_DEBOUNCE_MS = 10 * 60_000;
/** How stale the associations a process ranks with may be, after a rebuild. */
export const ASSOCIATIONS_REFRESH_MS = 60_000;

const PAGE = 1000;
const INSERT_CHUNK = 1000;

/** Learns the associations of the public listings (achievements and needs) and stores them. */
export async function rebuildAssociations(
  db: Db,
  namespace: string,
  params: AssociationParams = ASSOCIATION_PARAMS,
): Promise<{ listings: number; associations: number }> {
  // arrays of shared strings: a catalog of 100,000 listings holds some 10 million word slots
  const units: { words: string[]; keywords: string[] }[] = [];
  const vocabulary = new Map<string, string>();
  const intern = (set: Set<string>) =>
    [...set].map((w) => {
      const shared = vocabulary.get(w);
      if (shared !== undefined) return shared;
      vocabulary.set(w, w);
      return w;
    });
  for (const kind of ['achievement', 'need'] as ListingKind[]) {
    let afterId: string | undefined;
    for (;;) {
      const page = await listPublicListings(db, kind, { afterId, limit: PAGE });
      if (page.length === 0) break;
      afterId = String(page[page.length - 1]!.id);
      for (const view of page) {
        const { words, keywords } = listingUnits(listingDocument(kind, view));
        units.push({ words: intern(words), keywords: intern(keywords) });
      }
    }
  }
  const learnt = learnAssociations(units, params);
  await db.transaction(async (tx) => {
    await tx.delete(matchingTermAssociations).where(eq(matchingTermAssociations.namespace, namespace));
    for (let i = 0; i < learnt.length; i += INSERT_CHUNK) {
      await tx
        .insert(matchingTermAssociations)
        .values(learnt.slice(i, i + INSERT_CHUNK).map((a) => ({ namespace, ...a })));
    }
  });
  return { listings: units.length, associations: learnt.length };
}

export async function readAssociations(db: Db, namespace: string): Promise<Association[]> {
  return db
    .select({
      term: matchingTermAssociations.term,
      associate: matchingTermAssociations.associate,
      strength: matchingTermAssociations.strength,
      support: matchingTermAssociations.support,
    })
    .from(matchingTermAssociations)
    .where(eq(matchingTermAssociations.namespace, namespace));
}

/**
 * Schedules a rebuild at the end of the current debounce window; further changes in the window
 * name the same job id and add nothing.
 */
export async function scheduleRebuild(queue: AnyQueue, namespace: string, now = Date.now()): Promise<void> {
  const window = Math.floor(now / ASSOCIATIONS_DEBOUNCE_MS);
  // a batch of a thousand changes schedules once from this process, not a thousand times
  const scheduled = scheduledWindows.get(queue) ?? new Map<string, number>();
  scheduledWindows.set(queue, scheduled);
  if (scheduled.get(namespace) === window) return;
  await queue.add(
    ASSOCIATIONS_QUEUE,
    { namespace },
    { jobId: `associations-${namespace}-${window}`, delay: (window + 1) * ASSOCIATIONS_DEBOUNCE_MS - now },
  );
  scheduled.set(namespace, window);
}

/** The window each queue handle last scheduled a rebuild for, per namespace. */
const scheduledWindows = new WeakMap<AnyQueue, Map<string, number>>();

/** The associations a process ranks with, read again at most every `ASSOCIATIONS_REFRESH_MS`. */
export class AssociationCache {
  #table: AssociationTable | undefined;
  #readAt = 0;
  #reading: Promise<AssociationTable> | undefined;

  constructor(
    private readonly db: Db,
    private readonly namespace: string,
  ) {}

  async get(now = Date.now()): Promise<AssociationTable> {
    if (this.#table && now - this.#readAt < ASSOCIATIONS_REFRESH_MS) return this.#table;
    this.#reading ??= readAssociations(this.db, this.namespace)
      .then((rows) => {
        this.#table = new AssociationTable(rows);
        this.#readAt = Date.now();
        return this.#table;
      })
      .finally(() => {
        this.#reading = undefined;
      });
    return this.#reading;
  }
}

const caches = new WeakMap<object, AssociationCache>();

/** One cache per database, for the namespace of the engine (the queue prefix, as createSearchEngine). */
export function associationsFor(ctx: {
  database: { db: Db };
  config: { queuePrefix: string };
}): AssociationCache {
  let cache = caches.get(ctx.database);
  if (!cache) {
    cache = new AssociationCache(ctx.database.db, ctx.config.queuePrefix);
    caches.set(ctx.database, cache);
  }
  return cache;
}
