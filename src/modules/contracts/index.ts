// The contracts module's public face: what other modules may use (lint: biome.json overrides).
export { findContract } from './repository.js';
