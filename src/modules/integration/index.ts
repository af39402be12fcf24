// The integration module's public face: what other modules may use (lint: biome.json overrides).
export {
  type EventInput,
  emitEventInTx,
  emitEventsInTx,
  eventCtes,
  type PreparedEvent,
  prepareEventInTx,
} from './events.js';
