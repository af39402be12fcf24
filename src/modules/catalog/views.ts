import type { Actor } from '../../platform/audit.js';
import { maskContact } from '../identity/index.js';
import { titleKey } from './duplicates.js';
import type { ListingInput, ListingKind } from './model.js';
import { catalogListings } from './schema.js';

export type ListingRow = typeof catalogListings.$inferSelect;
export type ListingView = Record<string, unknown>;

/**
 * The columns `toView` reads (and the policies: organisation, sub-centre, status). Reads select
 * only these: a listing's index columns (keywords, patents, title key, hash) are not shown.
 */
export const VIEW_COLUMNS = {
  id: catalogListings.id,
  kind: catalogListings.kind,
  organisationId: catalogListings.organisationId,
  subCentreId: catalogListings.subCentreId,
  status: catalogListings.status,
  content: catalogListings.content,
  confidential: catalogListings.confidential,
  version: catalogListings.version,
  review: catalogListings.review,
  mergedInto: catalogListings.mergedInto,
  createdAt: catalogListings.createdAt,
  updatedAt: catalogListings.updatedAt,
  publishedAt: catalogListings.publishedAt,
};
export type ViewRow = Pick<ListingRow, keyof typeof VIEW_COLUMNS>;

export interface DuplicateWarning {
  code: 'duplicate-patent' | 'similar-title';
  listingId: string;
  title: string;
  patentNumber?: string;
  similarity?: number;
}

export const SYSTEM: Actor = { type: 'system', id: 'catalog' };

/** The public content and the confidential part of a validated input, as stored. */
export function splitInput(input: ListingInput): {
  content: Record<string, unknown>;
  confidential: object | null;
} {
  const { confidential, ...content } = input;
  return { content, confidential: confidential ?? null };
}

type Contact = { name: string; phone?: string; email?: string };

/**
 * What a caller sees of a listing. Without the right to the confidential part, the
 * `confidential` member is absent (not null) and contacts' phones and e-mails are masked.
 */
export function toView(row: ViewRow, opts: { confidential: boolean; ndaAccepted?: boolean }): ListingView {
  const content = row.content as Record<string, unknown> & { contacts?: Contact[] };
  const view: ListingView = {
    id: row.id,
    kind: row.kind,
    ...content,
    contacts: opts.confidential ? (content.contacts ?? []) : (content.contacts ?? []).map(maskContact),
    organisationId: row.organisationId,
    subCentreId: row.subCentreId,
    status: row.status,
    version: row.version,
    hasConfidential: row.confidential !== null,
    ndaAccepted: opts.ndaAccepted ?? false,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    publishedAt: row.publishedAt?.toISOString() ?? null,
  };
  if (row.review) view.review = row.review;
  if (row.mergedInto) view.mergedInto = row.mergedInto;
  if (opts.confidential && row.confidential !== null) view.confidential = row.confidential;
  return view;
}

/** The columns a listing row derives from its validated input. */
export function columnsOf(kind: ListingKind, input: ListingInput) {
  if (kind === 'achievement' && 'trl' in input) {
    return {
      title: input.title,
      titleKey: titleKey(input.title),
      fieldCode: input.field,
      regionCode: input.regionCode,
      trl: input.trl,
      priceFen: input.priceFen,
      budgetMinFen: null,
      budgetMaxFen: null,
      modes: [...input.transferModes],
      keywords: [...input.keywords],
      validUntil: input.validUntil ?? null,
    };
  }
  const n = input as Extract<ListingInput, { preferredModes: unknown }>;
  return {
    title: n.title,
    titleKey: titleKey(n.title),
    fieldCode: n.field,
    regionCode: n.regionCode,
    trl: n.minTrl ?? null,
    priceFen: null,
    budgetMinFen: n.budgetMinFen,
    budgetMaxFen: n.budgetMaxFen,
    modes: [...n.preferredModes],
    keywords: [...n.keywords],
    validUntil: n.validUntil ?? n.deadline ?? null,
  };
}
