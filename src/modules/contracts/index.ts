// The contracts module's public face: what other modules may use (lint: biome.json overrides).
export { registeredContractFigures, transferIncomeBySeller } from './manager-figures.js';
export { findContract } from './repository.js';
