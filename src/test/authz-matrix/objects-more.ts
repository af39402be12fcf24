/**
 * Fixture objects of the later modules: interests in O1's achievements (from a buyer
 * organisation that is neither O1 nor the stranger's) and the member's saved searches.
 */

import { createActor, createOrganisation, type TestActor } from '../actors.js';
import { randomCreditCode } from '../ids.js';
import { listing } from './objects.js';
import type { Obj } from './types.js';
import type { World } from './world.js';

/** A verified buyer enterprise (in S2) whose member expresses interest; made once. */
async function buyer(w: World): Promise<Obj> {
  return w.once('buyer', async () => {
    const org = await createOrganisation(w.ctx, {
      type: 'enterprise',
      subCentre: w.s2,
      verified: true,
      creditCode: randomCreditCode(w.s2.code),
    });
    const actor = await createActor(w.ctx, { organisation: org, name: '意向方成员' });
    return { organisationId: org.id, token: actor.token };
  });
}

const asActor = (b: Obj): TestActor => ({
  userId: 'buyer',
  token: b.token!,
  headers: { authorization: `Bearer ${b.token}` },
});

export type InterestStatus = 'pending' | 'accepted' | 'negotiating' | 'deal';

/** An interest of the buyer in a fresh published achievement of O1, moved on by both sides. */
export async function interest(w: World, status: InterestStatus): Promise<Obj> {
  const b = asActor(await buyer(w));
  const achievement = await listing(w, 'achievement', 'published');
  const message = w.secret('矩阵意向');
  const res = await w.as(b, 'POST', '/v1/interests', {
    achievementId: achievement.id,
    message,
    contact: { name: '意向联系人', phone: '13900001111' },
  });
  const id = res.json().id as string;
  const steps: [InterestStatus, string, TestActor][] = [
    ['accepted', 'accept', w.users.member],
    ['negotiating', 'negotiate', b],
    ['deal', 'deal', w.users.member],
  ];
  const order: InterestStatus[] = ['pending', 'accepted', 'negotiating', 'deal'];
  for (const [reached, step, who] of steps) {
    if (order.indexOf(status) < order.indexOf(reached)) break;
    await w.as(who, 'POST', `/v1/interests/${id}/${step}`, {});
  }
  return { id, message, achievementId: achievement.id! };
}

/** A saved search (订阅检索) of O1's plain member: personal, nobody else's. */
export async function savedSearch(w: World): Promise<Obj> {
  const name = w.secret('矩阵订阅检索');
  const res = await w.as(w.users.member, 'POST', '/v1/saved-searches', {
    name,
    type: 'achievement',
    q: '正极材料',
  });
  return { id: res.json().id as string, name };
}
