// The notices module's public face: what other modules may use (lint: biome.json overrides).
export { type GatedContract, requireClearedNotices } from './service.js';
