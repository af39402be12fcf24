// The notifications module's public face: what other modules may use (lint: biome.json overrides).
export { type NotificationInput, notifyInTx } from './service.js';
