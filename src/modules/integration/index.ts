// The integration module's public face: what other modules may use (lint: biome.json overrides).
export {
  type EventInput,
  emitEventInTx,
  emitEventsInTx,
  eventCtesText,
  type PreparedEvent,
  preparedEvent,
  subscribedEndpointsText,
} from './events.js';
