// The contracts module's public face: what other modules may use (lint: biome.json overrides).
export { addWorkingDays, chinaDate, chinaDayEnd, dueDateAfter, type WorkingCalendar } from './calendar.js';
export { currentCalendar } from './holiday-years.js';
export { registeredContractFigures, transferIncomeBySeller } from './manager-figures.js';
export { findContract } from './repository.js';
