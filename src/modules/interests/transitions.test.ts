import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActor, createOrganisation, type TestActor } from '../../test/actors.js';
import { application } from '../../test/fixtures/contracts.js';
import {
  createWorld,
  express,
  publishedAchievement,
  requester,
  type World,
} from '../../test/fixtures/interests.js';
import { randomCreditCode } from '../../test/ids.js';
import { contractRoutes } from '../contracts/routes.js';
import { ACTION_NAMES, ACTIONS, type Action, actionsFrom, STATUSES, type Status } from './lifecycle.js';

/** The state table on the server: every refused transition, the wrong side, the contract link. */
let w: World;
let req: ReturnType<typeof requester>;

beforeAll(async () => {
  w = await createWorld([contractRoutes]);
  req = requester(w);
});
afterAll(async () => {
  await w?.close();
});

const bodyOf = (action: string) => (action === 'decline' ? { reason: { code: 'need_mismatch' } } : {});
const act = (id: string, action: string, actor: TestActor) =>
  req('POST', `/v1/interests/${id}/${action}`, actor, bodyOf(action));

/** The path to each state, from pending. */
const PATHS: Record<Status, [Action, 'owner' | 'buyer'][]> = {
  pending: [],
  accepted: [['accept', 'owner']],
  declined: [['decline', 'owner']],
  negotiating: [
    ['accept', 'owner'],
    ['negotiate', 'buyer'],
  ],
  deal: [
    ['accept', 'owner'],
    ['negotiate', 'owner'],
    ['deal', 'buyer'],
  ],
  withdrawn: [['withdraw', 'buyer']],
  closed: [
    ['accept', 'owner'],
    ['close', 'owner'],
  ],
};

async function interestIn(state: Status): Promise<string> {
  const { id } = await express(w, await publishedAchievement(w));
  for (const [action, who] of PATHS[state]) {
    const res = await act(id, action, who === 'owner' ? w.owner : w.buyer);
    expect(res.statusCode, `${state} via ${action}: ${res.body}`).toBe(200);
  }
  return id;
}

/** An actor on a side the table allows for the action (so only the state can refuse it). */
const allowedActor = (action: Action) => {
  const by = ACTIONS[action].by as readonly string[];
  return by.includes('owner') ? w.owner : by.includes('interested') ? w.buyer : w.operator;
};

describe('the interest state table', () => {
  const ids = {} as Record<Status, string>;
  beforeAll(async () => {
    for (const s of STATUSES) ids[s] = await interestIn(s);
  });

  const refused = STATUSES.flatMap((s) =>
    ACTION_NAMES.filter((a) => !(ACTIONS[a].from as readonly string[]).includes(s)).map(
      (a) => [s, a] as const,
    ),
  );
  it.each(refused)('refuses %s → %s with 409 invalid-transition', async (state, action) => {
    const res = await act(ids[state], action, allowedActor(action));
    expect(res.statusCode, res.body).toBe(409);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({
      type: expect.stringMatching(/invalid-transition$/),
      currentState: state,
      action,
      allowedActions: actionsFrom(state),
    });
    // Nothing changed.
    expect((await req('GET', `/v1/interests/${ids[state]}`, w.owner)).json().status).toBe(state);
  });

  it('allows exactly these steps from each state (the table itself, pinned)', () => {
    expect(Object.fromEntries(STATUSES.map((s) => [s, actionsFrom(s)]))).toEqual({
      pending: ['accept', 'decline', 'withdraw'],
      accepted: ['negotiate', 'withdraw', 'close'],
      declined: [],
      negotiating: ['deal', 'withdraw', 'close'],
      deal: [],
      withdrawn: [],
      closed: [],
    });
  });

  it('covers every state and the refused pairs are many', () => {
    expect(Object.keys(ids).sort()).toEqual([...STATUSES].sort());
    expect(refused.length).toBeGreaterThan(25);
  });
});

describe('who may take each step', () => {
  it('the interested side cannot accept or decline, the owner cannot withdraw (403)', async () => {
    const id = await interestIn('pending');
    for (const action of ['accept', 'decline']) expect((await act(id, action, w.buyer)).statusCode).toBe(403);
    expect((await act(id, 'withdraw', w.owner)).statusCode).toBe(403);
    expect((await act(id, 'accept', w.operator)).statusCode).toBe(403);
    expect((await req('GET', `/v1/interests/${id}`, w.owner)).json().status).toBe('pending');
  });

  it('another organisation gets 404 for every step, the interest stays unchanged', async () => {
    const id = await interestIn('accepted');
    for (const action of ACTION_NAMES) {
      const res = await act(id, action, w.stranger);
      expect(res.statusCode, action).toBe(404);
    }
    const put = await req('PUT', `/v1/interests/${id}/contract`, w.stranger, { contractId: id });
    expect(put.statusCode).toBe(404);
  });

  it('an operator may close an accepted interest', async () => {
    const id = await interestIn('accepted');
    expect((await act(id, 'close', w.operator)).json().status).toBe('closed');
  });

  it('the owner cannot accept once the interested organisation is no longer verified (409)', async () => {
    const org = await createOrganisation(w.ctx, { verified: true });
    const lapsing = await createActor(w.ctx, { organisation: org });
    const { id } = await express(w, await publishedAchievement(w), lapsing);
    await w.ctx.database.pool.query(
      "UPDATE organisations SET verification_status = 'unverified' WHERE id = $1",
      [org.id],
    );
    const res = await act(id, 'accept', w.owner);
    expect(res.statusCode).toBe(409);
    expect(res.json().type).toMatch(/interest-counterparty-unverified$/);
    const after = (await req('GET', `/v1/interests/${id}`, w.owner)).json();
    expect(after).toMatchObject({ status: 'pending', contactsReleased: false });
  });

  it('a decline needs a structured reason; "other" needs a text', async () => {
    const id = await interestIn('pending');
    const none = await req('POST', `/v1/interests/${id}/decline`, w.owner, {});
    expect(none.statusCode).toBe(400);
    const bad = await req('POST', `/v1/interests/${id}/decline`, w.owner, { reason: { code: 'bored' } });
    expect(bad.statusCode).toBe(400);
    const other = await req('POST', `/v1/interests/${id}/decline`, w.owner, { reason: { code: 'other' } });
    expect(other.statusCode).toBe(400);
    expect(other.json().errors).toEqual([expect.objectContaining({ field: 'body/reason/text' })]);
    const ok = await req('POST', `/v1/interests/${id}/decline`, w.owner, {
      reason: { code: 'other', text: '团队已解散' },
    });
    expect(ok.json()).toMatchObject({
      status: 'declined',
      declineReason: { code: 'other', text: '团队已解散' },
    });
  });
});

describe('linking the registered contract', () => {
  async function registeredContract(buyerCode: string): Promise<string> {
    const point = { sellerCode: w.uni.creditCode!, subCentre: w.sub };
    const base = application(point);
    const created = await req('POST', '/v1/contracts', w.owner, {
      ...base,
      buyer: { ...base.buyer, creditCode: buyerCode },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    expect((await req('POST', `/v1/contracts/${id}/submit`, w.owner)).statusCode).toBe(200);
    expect((await req('POST', `/v1/contracts/${id}/take`, w.registrar)).statusCode).toBe(200);
    const reg = await req('POST', `/v1/contracts/${id}/register`, w.registrar, {});
    expect(reg.statusCode, reg.body).toBe(200);
    return id;
  }

  it('needs a deal, a registered contract and the two organisations as its parties', async () => {
    const contractId = await registeredContract(w.ent.creditCode!);
    const negotiating = await interestIn('negotiating');
    const early = await req('PUT', `/v1/interests/${negotiating}/contract`, w.buyer, { contractId });
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ currentState: 'negotiating', action: 'link-contract' });

    const id = await interestIn('deal');
    const unknown = await req('PUT', `/v1/interests/${id}/contract`, w.buyer, { contractId: id });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().type).toMatch(/interest-contract-not-registered$/);
    const foreign = await registeredContract(randomCreditCode('320500'));
    const mismatch = await req('PUT', `/v1/interests/${id}/contract`, w.buyer, { contractId: foreign });
    expect(mismatch.statusCode).toBe(422);
    expect(mismatch.json().type).toMatch(/interest-contract-parties$/);

    const linked = await req('PUT', `/v1/interests/${id}/contract`, w.buyer, { contractId });
    expect(linked.statusCode, linked.body).toBe(200);
    expect(linked.json()).toMatchObject({ status: 'deal', contractId });
    expect(linked.json().history.at(-1)).toMatchObject({ action: 'link-contract', toStatus: 'deal' });
    // The same contract again is a no-op; another one is refused.
    expect((await req('PUT', `/v1/interests/${id}/contract`, w.owner, { contractId })).statusCode).toBe(200);
    const other = await req('PUT', `/v1/interests/${id}/contract`, w.owner, { contractId: foreign });
    expect(other.statusCode).toBe(409);
    const { rows } = await w.ctx.database.pool.query(
      "SELECT count(*)::int AS n FROM interest_events WHERE interest_id = $1 AND action = 'link-contract'",
      [id],
    );
    expect(rows[0].n).toBe(1);
  });
});
