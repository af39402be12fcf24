// The catalog module's public face: what other modules may use (lint: biome.json overrides).
export { type CatalogDeps, getListing } from './listings.js';
export * from './service.js';
