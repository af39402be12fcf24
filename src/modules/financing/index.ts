// The financing module's public face: what other modules may use (lint: biome.json overrides).
export { STAGES, type Stage } from './rules.js';
