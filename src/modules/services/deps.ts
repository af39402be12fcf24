import type { Db } from '../../platform/db.js';
import { ForbiddenError, UnauthorizedError, UnprocessableError } from '../../platform/errors.js';
import type { OutboxDispatcher } from '../../platform/outbox.js';
import type { CursorCodec } from '../../platform/pagination.js';
import type { Principal } from '../../platform/principal.js';
import type { SearchEngine } from '../matching/index.js';

export interface ServiceDeps {
  db: Db;
  cursors: CursorCodec;
  outbox: Pick<OutboxDispatcher, 'kick'>;
  /** the search and matching engine (offerings are its documents); set up on first use */
  search?: () => Promise<SearchEngine>;
  now?: () => Date;
}

/** The caller's organisation, which must be verified (一次认证) to trade services. */
export function verifiedOrganisationOf(p: Principal | undefined): string {
  if (!p) throw new UnauthorizedError();
  if (!p.organisationId) throw new UnprocessableError('service-organisation-required');
  if (!p.orgVerified) throw new ForbiddenError('service-organisation-unverified');
  return p.organisationId;
}

/** A cursor page's query: the common cursor and limit. */
export interface PageQuery {
  cursor?: string;
  limit?: number;
}
