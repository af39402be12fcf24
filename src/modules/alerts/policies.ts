import { definePolicies } from '../../platform/authz.js';
import type { Principal } from '../../platform/principal.js';
import type { savedSearches } from './schema.js';

type SavedSearch = typeof savedSearches.$inferSelect;

/** A saved search is personal: only the person who saved it sees or changes it; for anyone else it does not exist. */
const isOwner = (p: Principal | undefined, s: SavedSearch) => p?.kind === 'user' && p.id === s.ownerUserId;

definePolicies({
  'saved-search.read': (p: Principal | undefined, s: SavedSearch) => (isOwner(p, s) ? 'allow' : 'hide'),
  'saved-search.manage': (p: Principal | undefined, s: SavedSearch) => (isOwner(p, s) ? 'allow' : 'hide'),
});
