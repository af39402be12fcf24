/**
 * The public text of the candidates a list shows, for the reasons (reasons.ts, `sharedPhrases`):
 * candidates come from the engine with their term vectors and keywords only, not their text (the
 * embedded engine does not even store a body, only its tokens). The text is read from where the
 * index takes it, the catalog's public views, by primary key, for the shown candidates only (20
 * achievements, 5 experts, 5 institutions per request), and projected exactly as indexed
 * (projection.ts) minus the owner organisation's name, as `subjectText` gives the subject's: the
 * same text on both engines. An id that is no catalog id (a document indexed straight into the
 * engine, as the latency bench indexes its generated achievements) has no text: it is not looked
 * up (PostgreSQL would refuse the whole query over one id that is no uuid).
 */
import type { DbOrTx } from '../../platform/db.js';
import { UUID_RE } from '../../platform/ids.js';
import { type DirectoryType, getDirectoryEntries, getPublicListings } from '../catalog/index.js';
import { getPublicOfferings } from '../services/index.js';
import type { DocumentType } from './engine.js';
import { isListingKind } from './index-apply.js';
import { directoryDocument, listingDocument, offeringDocument } from './projection.js';
import { subjectText } from './ranking.js';

/** The normalised public text of documents of one type by id; absent: not public (any more). */
export type CandidateTexts = (type: DocumentType, ids: readonly string[]) => Promise<Map<string, string>>;

/** The candidates' public texts read from the catalog (and the services module for offerings). */
export function catalogTexts(db: DbOrTx): CandidateTexts {
  return async (type, ids) => {
    const some = [...new Set(ids)].filter((id) => UUID_RE.test(id));
    const texts = new Map<string, string>();
    if (some.length === 0) return texts;
    if (isListingKind(type)) {
      for (const view of await getPublicListings(db, type, some))
        texts.set(String(view.id), subjectText(listingDocument(type, view)));
    } else if (type === 'offering') {
      for (const offering of await getPublicOfferings(db, some))
        texts.set(offering.id, subjectText(offeringDocument(offering)));
    } else {
      for (const entry of await getDirectoryEntries(db, type as DirectoryType, some))
        texts.set(entry.id, subjectText(directoryDocument(entry)));
    }
    return texts;
  };
}
