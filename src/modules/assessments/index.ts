// The assessments module's public face: nothing is used by other modules yet (lint: biome.json overrides).
export { INDICATORS, LEVELS } from './rules.js';
