/**
 * The match endpoints: a need's achievements (with experts and institutions), an achievement's
 * needs, and ad-hoc queries. The caller must be allowed to see the subject: the catalog's own read
 * rule decides (`getListing`), and a listing they may not see is a 404 whatever its state.
 */
import { createHash } from 'node:crypto';
import type { DbOrTx } from '../../platform/db.js';
import type { CursorCodec } from '../../platform/pagination.js';
import type { Principal } from '../../platform/principal.js';
import type { ListingKind } from '../catalog/index.js';
import { type CatalogDeps, getListing } from '../catalog/index.js';
import type { AssociationTable } from './associations.js';
import { catalogTexts } from './candidate-texts.js';
import type { SearchDocument, SearchEngine } from './engine.js';
import type { SemanticRetriever } from './fusion.js';
import { withOfferingInstitutions } from './institution-offerings.js';
import { listingDocument } from './projection.js';
import { recommendProviders } from './providers.js';
import {
  type Profile,
  RANKING_VERSION,
  type Ranked,
  rankAchievementsForNeed,
  rankNeedsForAchievement,
  rankQuery,
  subjectQuery,
  subjectText,
} from './ranking.js';
import { offsetOf } from './search-service.js';

/** The ranking re-orders its best 100 candidates and returns at most this many. */
export const MAX_MATCHES = 50;
const DEFAULT_LIMIT = 20;
const PROVIDERS = 5;

export interface MatchDeps {
  engine: SearchEngine;
  catalog: CatalogDeps;
  cursors: CursorCodec;
  /** semantic neighbours fused with the lexical ranking (EMBEDDINGS_URL); absent: lexical only */
  semantic?: SemanticRetriever;
  /** the catalog's term associations (association-store.ts); absent: no association expansion */
  associations?: () => Promise<AssociationTable>;
}

export interface PageParams {
  cursor?: string;
  limit?: number;
}

type Ranker = (limit: number) => Promise<Ranked>;

/**
 * A page of the ranked list: rank the first `offset + limit + 1`, cut the page, cursor if more.
 * Each item carries its rank in the whole list (1-based), and the list its ranking version, so an
 * interest expressed from it can say where it came from.
 */
async function page(cursors: CursorCodec, list: string, q: PageParams, ranker: Ranker) {
  const offset = offsetOf(cursors, list, q.cursor);
  const limit = Math.min(Math.max(1, q.limit ?? DEFAULT_LIMIT), MAX_MATCHES);
  if (offset >= MAX_MATCHES)
    return { rankingVersion: RANKING_VERSION, items: [], nextCursor: null, queryTerms: [] as string[] };
  const ranked = await ranker(Math.min(MAX_MATCHES, offset + limit + 1));
  const items = ranked.matches.slice(offset, offset + limit).map((m, i) => ({ ...m, rank: offset + i + 1 }));
  const more = ranked.matches.length > offset + limit;
  return {
    // the list says when embeddings took part (a provider outage ranks lexically, under RANKING_VERSION)
    rankingVersion: ranked.rankingVersion ?? RANKING_VERSION,
    items,
    nextCursor: more ? cursors.encode(list, [offset + limit]) : null,
    queryTerms: ranked.queryTerms,
  };
}

async function providers(
  engine: SearchEngine,
  db: DbOrTx,
  doc: Parameters<typeof subjectQuery>[0],
  subject: Profile,
) {
  const terms = subjectQuery(doc, await engine.thesaurus());
  const said = subjectText(doc);
  const texts = catalogTexts(db);
  const [experts, direct] = await Promise.all([
    recommendProviders(engine, 'expert', terms, subject, PROVIDERS, said, texts),
    recommendProviders(engine, 'institution', terms, subject, PROVIDERS, said, texts),
  ]);
  // institutions are also found through their published service offerings (issue 16)
  const institutions = await withOfferingInstitutions(engine, db, direct, terms, subject, PROVIDERS, said);
  const ranked = <T>(list: T[]) => list.map((m, i) => ({ ...m, rank: i + 1 }));
  return { experts: ranked(experts), institutions: ranked(institutions) };
}

async function subjectOf(deps: MatchDeps, p: Principal | undefined, kind: ListingKind, id: string) {
  const view = await getListing(deps.catalog, p, kind, id);
  // matched with its public text only (as indexed), even when the caller may read the confidential part
  return listingDocument(kind, view);
}

const subjectView = (doc: SearchDocument) => ({ id: doc.id, type: doc.type, title: doc.title });

export async function needMatches(deps: MatchDeps, p: Principal | undefined, id: string, q: PageParams) {
  const need = await subjectOf(deps, p, 'need', id);
  const [matches, recommended] = await Promise.all([
    page(deps.cursors, `matching.matches:need:${id}`, q, async (limit) =>
      rankAchievementsForNeed(deps.engine, need, {
        limit,
        texts: catalogTexts(deps.catalog.db),
        semantic: deps.semantic,
        associations: await deps.associations?.(),
      }),
    ),
    providers(deps.engine, deps.catalog.db, need, need),
  ]);
  return { subject: subjectView(need), ...matches, ...recommended };
}

export async function achievementMatches(
  deps: MatchDeps,
  p: Principal | undefined,
  id: string,
  q: PageParams,
) {
  const achievement = await subjectOf(deps, p, 'achievement', id);
  const matches = await page(deps.cursors, `matching.matches:achievement:${id}`, q, async (limit) =>
    rankNeedsForAchievement(deps.engine, achievement, {
      limit,
      texts: catalogTexts(deps.catalog.db),
      semantic: deps.semantic,
      associations: await deps.associations?.(),
    }),
  );
  return { subject: subjectView(achievement), ...matches };
}

export interface MatchQueryBody extends PageParams {
  text: string;
  field?: string;
  minTrl?: number;
  budgetMaxFen?: number;
  modes?: string[];
  region?: string;
}

export async function adHocMatches(deps: MatchDeps, body: MatchQueryBody) {
  const constraints = {
    fieldCode: body.field ?? null,
    minTrl: body.minTrl ?? null,
    budgetMaxFen: body.budgetMaxFen ?? null,
    transferModes: body.modes ?? [],
    regionCode: body.region ?? null,
  };
  // the cursor is bound to the query text and constraints, like a search cursor
  const key = createHash('sha256')
    .update(JSON.stringify([constraints, body.text]))
    .digest('base64url');
  const list = `matching.matches:query:${key.slice(0, 16)}`;
  const [matches, recommended] = await Promise.all([
    page(deps.cursors, list, body, async (limit) =>
      rankQuery(deps.engine, body.text, constraints, {
        limit,
        texts: catalogTexts(deps.catalog.db),
        semantic: deps.semantic,
        associations: await deps.associations?.(),
      }),
    ),
    providers(deps.engine, deps.catalog.db, { title: body.text }, constraints),
  ]);
  return { ...matches, ...recommended };
}
