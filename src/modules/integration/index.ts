// The integration module's public face: what other modules may use (lint: biome.json overrides).
export { type EventInput, emitEventInTx, emitEventsInTx } from './events.js';
