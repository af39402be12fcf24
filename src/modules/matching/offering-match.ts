/**
 * Service offerings (服务产品) matched to a text, by the same rules as listings (issue 16): the
 * subject's lexical query scored with BM25F over the offerings' public text (title, kind,
 * description, institution), the fields and regions the offering serves as evidence that reorders
 * comparable text fits, and the shared reasons (telling words only; a structured reason only when
 * it distinguishes). Used for a service request's suggestions and to find institutions for a need
 * through what they offer.
 */
import type { DbOrTx } from '../../platform/db.js';
import { getPublicOfferings, type PublicOffering } from '../services/index.js';
import { regionPath, type SearchEngine, type SearchFilters } from './engine.js';
import type { Fit } from './fits.js';
import type { LexicalTerm } from './lexical.js';
import { offeringDocument, servedRegionTags } from './projection.js';
import { directoryList, PROVIDER_STRENGTH, PROVIDER_WEIGHTS } from './providers.js';
import {
  RANKING_PARAMS,
  type RankingParams,
  sharedStretches,
  structuralFactor,
  subjectQuery,
  subjectText,
  textCandidates,
} from './ranking.js';
import { shownTerms, wholeKeywords } from './reasons.js';

/** What an offering is matched against: a request's (or a need's) public text and structure. */
export interface OfferingSubject {
  title: string;
  description?: string;
  /** only offerings of this kind */
  kind?: string;
  fieldCodes: string[];
  regionCode: string | null;
  /** offerings of this organisation are left out (a requester's own) */
  excludeOrganisationId?: string;
  /**
   * the subject's whole public text, normalised (`subjectText` in ranking.ts), where the reasons
   * look for an offering's keyword and the stretches both texts share; default: title and description
   */
  said?: string;
}

export interface OfferingMatch {
  id: string;
  organisationId: string;
  title: string;
  /** text relevance (share of the best offering's) times the structural factor, 0–1 */
  score: number;
  breakdown: { text: number; field: number; region: number };
  reasons: string[];
  matchedTerms: string[];
}

/** Field and region only (the weights of the providers' lists, hand-set like them, not fitted). */
const PARAMS: Pick<RankingParams, 'strength' | 'structure' | 'lexical' | 'feedback' | 'associations'> = {
  strength: PROVIDER_STRENGTH,
  structure: {
    field: PROVIDER_WEIGHTS.field,
    trl: 0,
    price: 0,
    modes: 0,
    region: PROVIDER_WEIGHTS.region,
    freshness: 0,
  },
  lexical: RANKING_PARAMS.lexical,
  // offerings are few and short: the first pass is enough (as for experts and institutions)
  feedback: { docs: 0, terms: 0, weight: 0 },
  associations: RANKING_PARAMS.associations,
};

/** A field in common: 领域一致; fields on both sides and none shared: no fit; otherwise neutral. */
function offeringFieldFit(subject: OfferingSubject, offering: PublicOffering): Fit {
  if (subject.fieldCodes.length === 0 || offering.fieldCodes.length === 0) return { score: 0.5 };
  return subject.fieldCodes.some((f) => offering.fieldCodes.includes(f))
    ? { score: 1, reason: '领域一致' }
    : { score: 0 };
}

/** The subject's region served by name (its district, city or province listed), or everywhere. */
function offeringRegionFit(subject: OfferingSubject, offering: PublicOffering): Fit {
  if (!subject.regionCode) return { score: 0.5 };
  if (offering.regionCodes.length === 0) return { score: 0.7, reason: '服务地区不限' };
  const path = regionPath(subject.regionCode);
  return offering.regionCodes.some((r) => path.includes(r))
    ? { score: 1, reason: '服务地区覆盖' }
    : { score: 0 };
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * Published offerings for a subject's lexical query, best first, at most `limit`. An offering
 * with no textual fit is no match (structure reorders, never finds on its own).
 */
export async function matchOfferings(
  engine: SearchEngine,
  db: DbOrTx,
  terms: LexicalTerm[],
  subject: OfferingSubject,
  limit: number,
): Promise<OfferingMatch[]> {
  if (terms.length === 0) return [];
  const filters: SearchFilters = subject.kind ? { tags: [[`kind:${subject.kind}`]] } : {};
  const { scored, stats } = await textCandidates(engine, 'offering', terms, filters, PARAMS);
  const others = scored.filter((s) => s.candidate.hit.organisationId !== subject.excludeOrganisationId);
  const best = others[0]?.text ?? 0;
  const textual = others.filter((s) => s.text >= RANKING_PARAMS.minText * best);
  if (textual.length === 0) return [];
  const said = subject.said ?? subjectText({ title: subject.title, body: subject.description });
  // the index holds one field and region per offering; their full lists come from the services module
  const offerings = new Map(
    (
      await getPublicOfferings(
        db,
        textual.map((s) => s.candidate.hit.id),
      )
    ).map((o) => [o.id, o]),
  );
  const ranked = textual
    .flatMap((s) => {
      const offering = offerings.get(s.candidate.hit.id);
      if (!offering) return []; // withdrawn since it was indexed
      const fits = {
        field: offeringFieldFit(subject, offering),
        region: offeringRegionFit(subject, offering),
      };
      const relative = s.text / best;
      const score = relative * structuralFactor(fits, PARAMS);
      return [
        {
          s,
          matches: s.matches,
          whole: wholeKeywords(s.candidate.keywords, said),
          keywords: s.candidate.keywords,
          offering,
          fits,
          relative,
          score,
        },
      ];
    })
    .sort((a, b) => b.score - a.score || a.offering.id.localeCompare(b.offering.id));
  // the offerings' texts are at hand (read above for their fields and regions)
  const texts = async (_: unknown, ids: readonly string[]) =>
    new Map(
      ids.flatMap((id) => {
        const offering = offerings.get(id);
        return offering ? [[id, subjectText(offeringDocument(offering))] as const] : [];
      }),
    );
  // an offering sharing only generic words with the subject is no match (as experts and institutions)
  const listed = await directoryList(engine, ranked, stats.docs, limit, (kept, telling) =>
    sharedStretches(
      'offering',
      kept.map((k) => k.offering.id),
      said,
      telling,
      texts,
    ),
  );
  return listed.map(({ item: { s, offering, fits, relative, score }, whole, reasons }) => ({
    id: offering.id,
    organisationId: offering.organisationId,
    title: offering.title,
    score: Math.round(score * 10_000) / 10_000,
    breakdown: { text: r3(relative), field: r3(fits.field.score), region: r3(fits.region.score) },
    reasons,
    matchedTerms: shownTerms(s.matches, undefined, whole),
  }));
}

/** Score of a suggestion found by its kind alone (no text fit): below any text match. */
const KIND_ONLY_SCORE = 0.05;

/**
 * Offerings for a service request (or any subject with a text): its public text is the query.
 * When no offering of the kind shares any text with it, the newest offerings of the kind serving
 * its region are suggested instead, below any text match, and the reason says so (as experts and
 * institutions are found by the need's field alone).
 */
export async function offeringSuggestions(
  engine: SearchEngine,
  db: DbOrTx,
  subject: OfferingSubject,
  limit = 20,
): Promise<OfferingMatch[]> {
  const terms = subjectQuery({ title: subject.title, body: subject.description }, await engine.thesaurus());
  const matched = await matchOfferings(engine, db, terms, subject, limit);
  if (matched.length > 0 || !subject.kind) return matched;
  const tags = [
    [`kind:${subject.kind}`],
    ...(subject.regionCode ? [servedRegionTags(subject.regionCode)] : []),
  ];
  const result = await engine.search({
    type: 'offering',
    filters: { tags },
    sort: 'freshness',
    // one more page than shown, as the requester's own offerings are left out below
    limit: Math.min(limit * 2, 100),
    countTotal: false,
    highlight: false,
  });
  const hits = result.hits.filter((h) => h.organisationId !== subject.excludeOrganisationId).slice(0, limit);
  const offerings = new Map(
    (
      await getPublicOfferings(
        db,
        hits.map((h) => h.id),
      )
    ).map((o) => [o.id, o]),
  );
  return hits.flatMap((hit) => {
    const offering = offerings.get(hit.id);
    if (!offering) return [];
    const field = offeringFieldFit(subject, offering);
    return [
      {
        id: offering.id,
        organisationId: offering.organisationId,
        title: offering.title,
        score: KIND_ONLY_SCORE,
        breakdown: {
          text: 0,
          field: r3(field.score),
          region: r3(offeringRegionFit(subject, offering).score),
        },
        reasons: ['服务类别相同（文本未匹配，按类别推荐）', ...(field.reason ? [field.reason] : [])],
        matchedTerms: [],
      },
    ];
  });
}
