import { SERVICE_KINDS, type ServiceKind } from './kinds.js';
import { type OfferingRow, offeringView, type RequestRow } from './views.js';

/**
 * Why an offering suits a request, each reason worth one point (words in common: one point per
 * shared word, at most three). Simple and explainable: every point is a reason shown to the user.
 */
export interface Reason {
  code: 'kind' | 'field' | 'region' | 'words';
  points: number;
  text: string;
  fieldCodes?: string[];
  regionCode?: string;
  words?: string[];
}

/** Words of a text: Latin/digit words of 2+ characters, and overlapping pairs of Chinese characters. */
export function wordsOf(text: string): Set<string> {
  const out = new Set<string>();
  for (const w of text.toLowerCase().match(/[a-z0-9]{2,}/g) ?? []) out.add(w);
  for (const run of text.match(/\p{Script=Han}+/gu) ?? [])
    for (let i = 0; i + 1 < run.length; i++) out.add(run.slice(i, i + 2));
  return out;
}

/** An offering serves a region if it lists none, the region itself, or its city or province. */
export function servesRegion(regionCodes: readonly string[], region: string): boolean {
  if (regionCodes.length === 0) return true;
  const city = `${region.slice(0, 4)}00`;
  const province = `${region.slice(0, 2)}0000`;
  return regionCodes.some((c) => c === region || c === city || c === province);
}

export function reasonsFor(request: RequestRow, offering: OfferingRow): Reason[] {
  const reasons: Reason[] = [];
  if (offering.kind === request.kind)
    reasons.push({
      code: 'kind',
      points: 1,
      text: `服务类别相同：${SERVICE_KINDS[request.kind as ServiceKind] ?? request.kind}`,
    });
  const fields = request.fieldCodes.filter((f) => offering.fieldCodes.includes(f));
  if (fields.length)
    reasons.push({
      code: 'field',
      points: 1,
      text: `服务领域相同：${fields.join('、')}`,
      fieldCodes: fields,
    });
  if (request.regionCode && servesRegion(offering.regionCodes, request.regionCode))
    reasons.push({
      code: 'region',
      points: 1,
      text: offering.regionCodes.length
        ? `服务地区覆盖 ${request.regionCode}`
        : `服务地区不限，覆盖 ${request.regionCode}`,
      regionCode: request.regionCode,
    });
  const theirs = wordsOf(`${offering.title} ${offering.description}`);
  const shared = [...wordsOf(`${request.title} ${request.description}`)].filter((w) => theirs.has(w));
  if (shared.length)
    reasons.push({
      code: 'words',
      points: Math.min(3, shared.length),
      text: `共有词语：${shared.slice(0, 10).join('、')}`,
      words: shared.slice(0, 10),
    });
  return reasons;
}

/** Offerings ranked by their points (ties: the newer first), at most `limit`. */
export function rankOfferings(request: RequestRow, offerings: OfferingRow[], limit: number) {
  return offerings
    .map((o) => {
      const reasons = reasonsFor(request, o);
      return { offering: offeringView(o), score: reasons.reduce((s, r) => s + r.points, 0), reasons };
    })
    .sort((a, b) => b.score - a.score || (a.offering.id < b.offering.id ? 1 : -1))
    .slice(0, limit);
}
