// The services module's public face: what other modules may use (lint: biome.json overrides).
export { SERVICE_KINDS, type ServiceKind } from './kinds.js';
export { type OrderParties, orderParties } from './orders.js';
export {
  countPublishedOfferings,
  getPublicOfferings,
  listOfferingIds,
  OFFERING_CHANGED_QUEUE,
  type PublicOffering,
} from './search-feed.js';
