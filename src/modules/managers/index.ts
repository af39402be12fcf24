// The managers module's public face: what other modules may use (lint: biome.json overrides).
export { LEVELS, type Level } from './rules.js';
