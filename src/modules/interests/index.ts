// The interests module's public face: what other modules may use (lint: biome.json overrides).
export { interestParties } from './parties.js';
export { findInterest } from './deps.js';
