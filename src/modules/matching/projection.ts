/**
 * The catalog's public views as search documents. Fields are picked one by one, never spread:
 * whatever the catalog adds to a view (the confidential part behind an NDA, contacts, team
 * members) stays out of the index unless it is named here, because everything indexed can be
 * found by anyone.
 */
import type { DirectoryEntry, ListingKind, ListingView } from '../catalog/index.js';
import type { PublicOffering } from '../services/index.js';
import { regionPath, SEARCH_LIMITS, type SearchDocument } from './engine.js';

const CODE_RE = /^[A-Za-z0-9_]{1,32}$/;
const REGION_RE = /^\d{6}$/;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x.trim() !== '') : [];
const int = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) ? v : null);
const trl = (v: unknown): number | null => {
  const n = int(v);
  return n !== null && n >= 1 && n <= 9 ? n : null;
};
const fen = (v: unknown): number | null => {
  const n = int(v);
  return n !== null && n >= 0 ? n : null;
};
const code = (v: unknown): string | null => (typeof v === 'string' && CODE_RE.test(v) ? v : null);
const region = (v: unknown): string | null => (typeof v === 'string' && REGION_RE.test(v) ? v : null);
const clip = (s: string | undefined, max: number): string | undefined =>
  s === undefined ? undefined : [...s].length <= max ? s : [...s].slice(0, max).join('');

/**
 * Keywords the index takes as they are; longer ones (the catalog allows 50 characters, the index
 * 40) go to the body text so they are still found.
 */
function splitKeywords(words: string[]): { keywords: string[]; overflow: string[] } {
  const unique = [...new Set(words.map((w) => w.trim()))];
  const fits = (w: string) => [...w].length <= SEARCH_LIMITS.maxKeywordLength;
  const keywords = unique.filter(fits).slice(0, SEARCH_LIMITS.maxKeywords);
  return { keywords, overflow: unique.filter((w) => !keywords.includes(w)) };
}

function bodyOf(parts: (string | string[] | undefined)[]): string | undefined {
  const text = parts
    .flatMap((p) => (Array.isArray(p) ? p : p ? [p] : []))
    .filter(Boolean)
    .join('\n');
  return clip(text || undefined, SEARCH_LIMITS.maxBodyLength);
}

export interface ProjectionExtras {
  /** the owner's name, when its profile is public (a verified organisation) */
  organisationName?: string | undefined;
}

/** An achievement (科技成果) or need (技术需求) from its public view (`getPublicListing`). */
export function listingDocument(
  kind: ListingKind,
  view: ListingView,
  extras: ProjectionExtras = {},
): SearchDocument {
  const { keywords, overflow } = splitKeywords(strings(view.keywords));
  const base = {
    id: String(view.id),
    type: kind,
    title: clip(str(view.title), SEARCH_LIMITS.maxTitleLength) ?? '',
    keywords,
    fieldCode: code(view.field),
    regionCode: region(view.regionCode),
    organisationId: str(view.organisationId) ?? null,
    status: String(view.status),
    updatedAt: String(view.updatedAt),
  };
  if (kind === 'achievement') {
    return {
      ...base,
      summary: clip(str(view.summary), SEARCH_LIMITS.maxSummaryLength),
      body: bodyOf([str(view.description), strings(view.indicators), overflow, extras.organisationName]),
      trl: trl(view.trl),
      transferModes: strings(view.transferModes).filter((m) => CODE_RE.test(m)),
      priceFen: fen(view.priceFen),
    };
  }
  return {
    ...base,
    body: bodyOf([str(view.description), strings(view.targetIndicators), overflow, extras.organisationName]),
    minTrl: trl(view.minTrl),
    transferModes: strings(view.preferredModes).filter((m) => CODE_RE.test(m)),
    budgetMinFen: fen(view.budgetMinFen),
    budgetMaxFen: fen(view.budgetMaxFen),
  };
}

/**
 * An expert (专家) or service institution (服务机构) from its public directory entry; contacts
 * (phones, e-mails) are not part of the entry and never of the document. Directory entries have
 * no lifecycle: every saved one is 'published'.
 */
export function directoryDocument(entry: DirectoryEntry, extras: ProjectionExtras = {}): SearchDocument {
  if (entry.type === 'expert') {
    const { keywords, overflow } = splitKeywords(entry.expertise);
    return {
      id: entry.id,
      type: 'expert',
      title: clip(entry.name, SEARCH_LIMITS.maxTitleLength) ?? entry.name,
      summary: clip(str(entry.title), SEARCH_LIMITS.maxSummaryLength),
      body: bodyOf([str(entry.bio), overflow, extras.organisationName]),
      keywords,
      // the first field is the expert's main one; the index holds one field per document
      fieldCode: entry.fields.map(code).find((c) => c !== null) ?? null,
      organisationId: entry.organisationId,
      status: 'published',
      updatedAt: entry.updatedAt,
    };
  }
  const { keywords, overflow } = splitKeywords([...entry.kinds, ...entry.services]);
  return {
    id: entry.id,
    type: 'institution',
    title: clip(entry.name, SEARCH_LIMITS.maxTitleLength) ?? entry.name,
    summary: clip(entry.kinds.join('、') || undefined, SEARCH_LIMITS.maxSummaryLength),
    body: bodyOf([str(entry.description ?? undefined), overflow]),
    keywords,
    regionCode: region(entry.regionCode),
    organisationId: entry.organisationId,
    status: 'published',
    updatedAt: entry.updatedAt,
  };
}

/** The filter labels of an offering: its kind, its fields and the regions it serves (`any`: everywhere). */
export function offeringTags(
  offering: Pick<PublicOffering, 'kind' | 'fieldCodes' | 'regionCodes'>,
): string[] {
  const regions = offering.regionCodes.map(region).filter((r): r is string => r !== null);
  return [
    `kind:${offering.kind}`,
    ...offering.fieldCodes.flatMap((f) => (code(f) ? [`field:${f}`] : [])),
    ...(regions.length > 0 ? regions.map((r) => `region:${r}`) : ['region:any']),
  ].slice(0, SEARCH_LIMITS.maxTags);
}

/**
 * The tag groups that find offerings serving `regionCode`: those listing it, its city or its
 * province, and those listing no region (they serve everywhere).
 */
export function servedRegionTags(regionCode: string): string[] {
  return ['region:any', ...regionPath(regionCode).map((r) => `region:${r}`)];
}

/**
 * A published service offering (服务产品) from its public projection: title, kind, description,
 * the institution's name; fields and regions as filter labels (an offering may list several, the
 * index's single field and region are its first ones). Never its qualification or contacts.
 */
export function offeringDocument(offering: PublicOffering): SearchDocument {
  return {
    id: offering.id,
    type: 'offering',
    title: clip(offering.title.trim(), SEARCH_LIMITS.maxTitleLength) ?? offering.id,
    summary: clip(offering.kindLabel, SEARCH_LIMITS.maxSummaryLength),
    body: bodyOf([str(offering.description), offering.institutionName]),
    keywords: [offering.kindLabel],
    fieldCode: offering.fieldCodes.map(code).find((c) => c !== null) ?? null,
    regionCode: offering.regionCodes.map(region).find((r) => r !== null) ?? null,
    organisationId: offering.organisationId,
    tags: offeringTags(offering),
    status: 'published',
    updatedAt: offering.updatedAt,
  };
}
