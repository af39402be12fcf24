import type { Actor } from '../../platform/audit.js';
import type { Schema } from '../../platform/http/operations.js';
import { maskContact } from '../identity/index.js';
import { titleKey } from './duplicates.js';
import type { ListingInput, ListingKind } from './model.js';
import { catalogListings } from './schema.js';

export type ListingRow = typeof catalogListings.$inferSelect;
/** A listing as the contract shows it: `Achievement` or `Need`, after the row's `kind`. */
export type AchievementView = Schema<'Achievement'>;
export type NeedView = Schema<'Need'>;
export type ListingView = AchievementView | NeedView;

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

type Contact = Schema<'Contact'>;
/** The stored public content: the validated input less its confidential part (`splitInput`). */
type Stored<T> = Omit<T, 'confidential'>;

/**
 * What a caller sees of a listing. Without the right to the confidential part, the
 * `confidential` member is absent (not null) and contacts' phones and e-mails are masked.
 */
export function toView(row: ViewRow, opts: { confidential: boolean; ndaAccepted?: boolean }): ListingView {
  const contactsOf = (contacts: Contact[] | undefined) =>
    opts.confidential ? (contacts ?? []) : (contacts ?? []).map(maskContact);
  const state = {
    organisationId: row.organisationId,
    subCentreId: row.subCentreId,
    status: row.status,
    version: row.version,
    hasConfidential: row.confidential !== null,
    ndaAccepted: opts.ndaAccepted ?? false,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    publishedAt: row.publishedAt?.toISOString() ?? null,
    // `review` is only written by applyTransition (transitions.ts), as a ReviewRecord.
    ...(row.review ? { review: row.review as Schema<'ReviewRecord'> } : {}),
    ...(row.mergedInto ? { mergedInto: row.mergedInto } : {}),
  };
  const shown = opts.confidential && row.confidential !== null;
  if (row.kind === 'achievement') {
    // The jsonb columns hold what achievementInput (model.ts) made of a validated input, split by splitInput.
    const content = row.content as Stored<Schema<'AchievementInput'>>;
    const confidential = row.confidential as Schema<'AchievementConfidential'> | null;
    return {
      id: row.id,
      kind: row.kind,
      ...content,
      contacts: contactsOf(content.contacts),
      ...state,
      ...(shown && confidential ? { confidential } : {}),
    };
  }
  // The jsonb columns hold what needInput (model.ts) made of a validated input, split by splitInput.
  const content = row.content as Stored<Schema<'NeedInput'>>;
  const confidential = row.confidential as Schema<'NeedConfidential'> | null;
  return {
    id: row.id,
    kind: row.kind,
    ...content,
    contacts: contactsOf(content.contacts),
    ...state,
    ...(shown && confidential ? { confidential } : {}),
  };
}

const isAchievement = (view: ListingView): view is AchievementView => view.kind === 'achievement';
const isNeed = (view: ListingView): view is NeedView => view.kind === 'need';

/** A view read by kind 'achievement' (the reads filter on kind, so anything else is a bug). */
export function asAchievement(view: ListingView): AchievementView {
  if (isAchievement(view)) return view;
  throw new Error(`listing ${view.id} is not an achievement`);
}

/** A view read by kind 'need' (the reads filter on kind, so anything else is a bug). */
export function asNeed(view: ListingView): NeedView {
  if (isNeed(view)) return view;
  throw new Error(`listing ${view.id} is not a need`);
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
