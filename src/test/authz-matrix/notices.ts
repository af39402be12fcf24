/** 协议定价公示 rows: notices of O1 (a verified university) on its published achievements. */

import { listing } from './objects.js';
import { cells, type MatrixRow, publicScoped, signedIn } from './types.js';
import type { World } from './world.js';

/** A notice of O1's published achievement, published by its member. */
async function notice(w: World): Promise<Record<string, string>> {
  const a = await w.once('notice:achievement', () => listing(w, 'achievement', 'published'));
  const res = await w.as(w.users.member, 'POST', '/v1/public-notices', {
    achievementId: a.id,
    mode: 'transfer',
    priceFen: 50_000_00,
    counterparty: { name: '矩阵受让方' },
  });
  return { id: res.json().id as string };
}

/** A notice with an objection by the stranger (O2). */
export async function objected(w: World): Promise<Record<string, string>> {
  const n = await notice(w);
  const res = await w.as(w.users.stranger, 'POST', `/v1/public-notices/${n.id}/objections`, {
    name: '他方成员',
    text: '矩阵异议',
  });
  return { id: n.id!, objectionId: res.json().id as string };
}

/** Only O1 (its members and client) acts for the owner. */
const owner = (status: number, named = {}) =>
  cells(403, {
    anonymous: 401,
    clientNoScope: 403,
    member: status,
    orgAdmin: status,
    client: status,
    ...named,
  });

export const noticeRows: MatrixRow[] = [
  {
    op: 'createPriceNotice',
    object: (w) => w.once('notice:achievement', () => listing(w, 'achievement', 'published')),
    body: (o) => ({
      achievementId: o.id,
      mode: 'licence',
      priceFen: 100,
      counterparty: { name: '矩阵受让方' },
    }),
    expect: owner(201),
  },
  { op: 'listPriceNotices', query: () => 'limit=5', expect: publicScoped(200) },
  {
    op: 'getPriceNotice',
    object: (w) => w.once('notice', () => notice(w)),
    params: (o) => ({ noticeId: o.id! }),
    expect: publicScoped(200),
  },
  {
    op: 'objectToPriceNotice',
    object: notice,
    fresh: true,
    params: (o) => ({ noticeId: o.id! }),
    body: () => ({ name: '异议人', text: '矩阵异议' }),
    // Anyone identified objects; the owner's own side is refused (422).
    expect: signedIn(201, { member: 422, orgAdmin: 422, client: 422 }),
  },
  {
    op: 'answerPriceNoticeObjection',
    object: objected,
    fresh: true,
    params: (o) => ({ noticeId: o.id!, objectionId: o.objectionId! }),
    body: () => ({ answer: '矩阵答复' }),
    expect: owner(200),
  },
  {
    op: 'withdrawPriceNotice',
    object: notice,
    fresh: true,
    params: (o) => ({ noticeId: o.id! }),
    body: () => ({ reason: '矩阵撤回' }),
    // The notice is public: everyone identified but the owner's side is refused (403).
    expect: owner(200),
  },
  {
    op: 'getPriceNoticePolicy',
    params: (_o, w) => ({ organisationId: w.o1.id }),
    expect: owner(200, { operator: 200 }),
  },
  {
    op: 'setPriceNoticePolicy',
    params: (_o, w) => ({ organisationId: w.o1.id }),
    body: () => ({ periodDays: 15, dayKind: 'calendar' }),
    expect: owner(200, { member: 403, operator: 200 }),
  },
];
