/**
 * Institutions found through what they offer (issue 13 item 4, issue 16): beside an institution
 * whose own profile matches a need's text, one whose published service offering matches it is
 * recommended too, with the offering named in its reasons. An offering's institution is shown by
 * its directory entry (the institutions list shows directory entries); an institution without one
 * is not listed.
 */
import type { DbOrTx } from '../../platform/db.js';
import type { SearchEngine } from './engine.js';
import type { LexicalTerm } from './lexical.js';
import { matchOfferings, type OfferingMatch } from './offering-match.js';
import type { Match, Profile } from './ranking.js';
import { withoutRepeated } from './reasons.js';

/** Offerings examined for a need: enough to reach several institutions, each offering at most once. */
const OFFERINGS_SCANNED = 20;

/** The institutions (directory entries) of the best offerings, each with its best offering. */
async function throughOfferings(
  engine: SearchEngine,
  db: DbOrTx,
  terms: LexicalTerm[],
  subject: Profile,
  limit: number,
  said: string,
): Promise<Match[]> {
  const offerings = await matchOfferings(
    engine,
    db,
    terms,
    {
      title: '',
      fieldCodes: subject.fieldCode ? [subject.fieldCode] : [],
      regionCode: subject.regionCode ?? null,
      said,
    },
    OFFERINGS_SCANNED,
  );
  const bestByOrg = new Map<string, OfferingMatch>();
  for (const o of offerings) if (!bestByOrg.has(o.organisationId)) bestByOrg.set(o.organisationId, o);
  const found: Match[] = [];
  for (const [organisationId, offering] of bestByOrg) {
    if (found.length >= limit) break;
    const entry = await engine.search({
      type: 'institution',
      filters: { organisationId },
      limit: 1,
      countTotal: false,
      highlight: false,
    });
    const hit = entry.hits[0];
    if (!hit) continue;
    found.push({
      id: hit.id,
      type: 'institution',
      title: hit.title,
      score: offering.score,
      breakdown: {
        text: offering.breakdown.text,
        field: offering.breakdown.field,
        region: offering.breakdown.region,
      } as Match['breakdown'],
      reasons: [`服务产品：「${offering.title}」`, ...offering.reasons],
      matchedTerms: offering.matchedTerms,
    });
  }
  return found;
}

/**
 * The institutions list of a need: those found by their own text and those found through their
 * offerings, merged by institution (the better score kept, the offering named when it found it
 * too), best first, at most `limit`. Both scores are relative to the best of their own list (0–1).
 */
export async function withOfferingInstitutions(
  engine: SearchEngine,
  db: DbOrTx,
  direct: Match[],
  terms: LexicalTerm[],
  subject: Profile,
  limit: number,
  /** the need's public text, normalised (`subjectText` in ranking.ts), for the offerings' reasons */
  said = '',
): Promise<Match[]> {
  if (terms.length === 0) return direct;
  const viaOfferings = await throughOfferings(engine, db, terms, subject, limit, said);
  const merged = new Map(direct.map((m) => [m.id, m]));
  for (const m of viaOfferings) {
    const own = merged.get(m.id);
    if (!own) merged.set(m.id, m);
    else if (m.score > own.score) merged.set(m.id, { ...m, reasons: [...m.reasons] });
    else merged.set(m.id, { ...own, reasons: [...own.reasons, m.reasons[0]!] });
  }
  const list = [...merged.values()]
    .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
    .slice(0, limit);
  // each part was thinned apart; what holds for most of the merged list is thinned here
  const reasons = withoutRepeated(list.map((m) => m.reasons));
  return list.map((m, i) => ({ ...m, reasons: reasons[i]! }));
}
