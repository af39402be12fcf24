// The catalog module's public face: what other modules may use (lint: biome.json overrides).

export { FEED_TYPES, type FeedType, recordServiceChange, type ServiceChange } from './changes.js';
export { listExperts as listDirectoryExperts } from './directory.js';
export { type CatalogDeps, getListing } from './listings.js';
export * from './service.js';
