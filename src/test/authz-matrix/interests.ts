/** Interest rows (合作意向): a buyer organisation's interest in O1's achievement; O1 is the owner side. */

import { listing } from './objects.js';
import { type InterestStatus, interest } from './objects-more.js';
import { cells, type Expectations, type MatrixRow, signedIn } from './types.js';
import type { World } from './world.js';

const fresh = (status: InterestStatus) => (w: World) => interest(w, status);
const id = (o: Record<string, string>) => ({ interestId: o.id! });
/** Only the two organisations and operators know an interest exists. */
const parties = (named: Partial<Expectations>) =>
  cells(404, { anonymous: 401, clientNoScope: 403, ...named });
const owner = (status: number, operator = 403) =>
  parties({ member: status, orgAdmin: status, client: status, operator });

export const interestRows: MatrixRow[] = [
  {
    op: 'getMatchingQuality',
    query: () => 'from=2026-01&to=2026-03',
    expect: signedIn(403, { operator: 200 }),
  },
  { op: 'listInterests', query: () => 'limit=5', expect: signedIn(200), note: 'leaks: see the list checks' },
  {
    op: 'createInterest',
    object: (w) => listing(w, 'achievement', 'published'),
    fresh: true,
    body: (o, w) => ({ achievementId: o.id, message: w.secret('矩阵新意向'), contact: { name: '联系人' } }),
    // A verified organisation other than the owner (the owner itself: 422); staff act for none (422).
    expect: signedIn(422, { stranger: 201 }),
  },
  {
    op: 'getInterest',
    object: (w) => w.once('interest:pending', () => interest(w, 'pending')),
    params: id,
    expect: owner(200, 200),
  },
  {
    op: 'acceptInterest',
    object: fresh('pending'),
    fresh: true,
    params: id,
    body: () => ({}),
    expect: owner(200),
  },
  {
    op: 'declineInterest',
    object: fresh('pending'),
    fresh: true,
    params: id,
    body: () => ({ reason: { code: 'need_mismatch' } }),
    expect: owner(200),
  },
  {
    op: 'negotiateInterest',
    object: fresh('accepted'),
    fresh: true,
    params: id,
    body: () => ({}),
    expect: owner(200),
  },
  {
    op: 'dealInterest',
    object: fresh('negotiating'),
    fresh: true,
    params: id,
    body: () => ({}),
    expect: owner(200),
  },
  // Withdrawing is the interested side's alone.
  {
    op: 'withdrawInterest',
    object: fresh('pending'),
    fresh: true,
    params: id,
    body: () => ({}),
    expect: owner(403),
  },
  {
    op: 'closeInterest',
    object: fresh('accepted'),
    fresh: true,
    params: id,
    body: () => ({}),
    expect: owner(200, 200),
  },
  {
    op: 'linkInterestContract',
    object: (w) => w.once('interest:deal', () => interest(w, 'deal')),
    params: id,
    body: () => ({ contractId: '01900000-0000-7000-8000-000000000000' }),
    expect: owner(422),
    note: 'an unregistered contract id: the owner side passes authorisation and is refused on the contract (422)',
  },
];
