// The integration module's public face: what other modules may use (lint: biome.json overrides).
export {
  type EventInput,
  emitEventInTx,
  emitEventsInTx,
  eventCtes,
  eventCtesText,
  type PreparedEvent,
  preparedEvent,
  prepareEventInTx,
  subscribedEndpointsText,
} from './events.js';
