// The contracts module's public face: what other modules may use (lint: biome.json overrides).
export { addWorkingDays, chinaDate, dueDateAfter } from './calendar.js';
export { currentCalendar } from './holiday-years.js';
export { findContract } from './repository.js';
