// The matching module's public face: what other modules may use (lint: biome.json overrides).
export {
  priceRange,
  regionPath,
  SEARCHABLE_STATUSES,
  type SearchDocument,
  type SearchEngine,
  type SearchFilters,
  type SearchHit,
} from './engine.js';
export { searchEngineFor } from './engine-instance.js';
export { listingVersionDocument } from './index-apply.js';
export { LISTING_INDEXED_QUEUE, type ListingIndexedJob } from './indexer.js';
export { type OfferingMatch, type OfferingSubject, offeringSuggestions } from './offering-match.js';
export { servedRegionTags } from './projection.js';
export { loadDefaultThesaurus } from './synonyms.js';
export { documentHoldsAll } from './tsvector.js';
