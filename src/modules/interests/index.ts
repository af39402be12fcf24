// The interests module's public face: what other modules may use (lint: biome.json overrides).

export { findInterest } from './deps.js';
export { interestParties } from './parties.js';
