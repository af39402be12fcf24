/** Financing rows (投融资): O1 organises roadshows and presents; O2 (the stranger's) invests. */
import { createActor } from '../actors.js';
import { cells, type Expectations, type MatrixRow, type Obj, publicScoped, signedIn } from './types.js';
import type { World } from './world.js';

const PROFILE = {
  stages: ['angel', 'a'],
  fields: ['01', '03'],
  ticketMinFen: 100_000_00,
  ticketMaxFen: 900_000_000_00,
};

/** O1's investor profile, stated by its admin (once). */
const o1Investor = (w: World) =>
  w.once('investor:o1', async () => {
    await w.as(w.users.orgAdmin, 'PUT', `/v1/investors/${w.o1.id}`, PROFILE);
    return { id: w.o1.id };
  });
/** O2's investor profile, stated by an admin of O2 (once). */
const o2Investor = (w: World) =>
  w.once('investor:o2', async () => {
    const admin = await createActor(w.ctx, { organisation: w.o2, orgRole: 'org_admin' });
    await w.as(admin, 'PUT', `/v1/investors/${w.o2.id}`, PROFILE);
    return { id: w.o2.id };
  });

async function roadshow(w: World): Promise<Obj> {
  const res = await w.as(w.users.orgAdmin, 'POST', '/v1/roadshows', {
    title: w.secret('矩阵路演'),
    startsAt: '2027-06-01T01:00:00Z',
    endsAt: '2027-06-01T04:00:00Z',
    mode: 'online',
    url: 'https://live.example.com/matrix',
  });
  return { roadshowId: res.json().id as string };
}
const sharedRoadshow = (w: World) => w.once('roadshow', () => roadshow(w));

/** A presentation at O1's roadshow, by O1's member (owner side) or the stranger's O2; accepted unless pending. */
export async function presentation(w: World, by: 'o1' | 'o2', accepted: boolean): Promise<Obj> {
  const { roadshowId } = await sharedRoadshow(w);
  const who = by === 'o1' ? w.users.member : w.users.stranger;
  const res = await w.as(who, 'POST', `/v1/roadshows/${roadshowId}/presentations`, {
    title: w.secret('矩阵路演项目'),
    stage: 'angel',
    askFen: 500_000_00,
    fields: ['01'],
  });
  const presentationId = res.json().id as string;
  if (accepted)
    await w.as(
      w.users.orgAdmin,
      'POST',
      `/v1/roadshows/${roadshowId}/presentations/${presentationId}/decision`,
      {
        decision: 'accept',
      },
    );
  return { roadshowId: roadshowId!, presentationId };
}

/** O2 (the stranger) expresses investment interest in O1's accepted presentation. */
export async function investment(w: World): Promise<Obj> {
  await o2Investor(w);
  const { presentationId } = await presentation(w, 'o1', true);
  const res = await w.as(w.users.stranger, 'POST', '/v1/investment-interests', {
    presentationId,
    message: w.secret('矩阵投资意向'),
    contact: { name: '投资联系人', phone: '13900002222' },
  });
  return { investmentInterestId: res.json().id as string };
}
const inv = (o: Obj) => ({ investmentInterestId: o.investmentInterestId! });
/** Investment interests: the two organisations and operators; others are shown nothing. */
const sides = (owner: number, investor: number, operator: number): Expectations =>
  cells(404, {
    anonymous: 401,
    clientNoScope: 403,
    member: owner,
    orgAdmin: owner,
    client: owner,
    stranger: investor,
    operator,
  });
/** O1 organises the roadshow: its people and operators; everyone else may read it but is refused. */
const organiser = (status: number) =>
  signedIn(403, { member: status, orgAdmin: status, client: status, operator: status });

export const financingRows: MatrixRow[] = [
  { op: 'listInvestors', query: () => 'limit=5', expect: publicScoped(200) },
  {
    op: 'getInvestor',
    object: o1Investor,
    params: (o) => ({ organisationId: o.id! }),
    expect: publicScoped(200),
  },
  {
    op: 'putInvestor',
    params: (_o, w) => ({ organisationId: w.o1.id }),
    body: () => PROFILE,
    expect: signedIn(403, { orgAdmin: 200, client: 200, operator: 200 }),
  },
  { op: 'listRoadshows', query: () => 'limit=5', expect: publicScoped(200) },
  {
    op: 'createRoadshow',
    body: (_o, w) => ({
      organiserOrganisationId: w.o1.id,
      title: w.secret('矩阵新路演'),
      startsAt: '2027-06-02T01:00:00Z',
      endsAt: '2027-06-02T04:00:00Z',
      mode: 'offline',
      place: '南京',
    }),
    expect: signedIn(403, { orgAdmin: 201, client: 201, operator: 201 }),
  },
  {
    op: 'getRoadshow',
    object: sharedRoadshow,
    params: (o) => ({ roadshowId: o.roadshowId! }),
    expect: publicScoped(200),
  },
  {
    op: 'updateRoadshow',
    object: roadshow,
    fresh: true,
    params: (o) => ({ roadshowId: o.roadshowId! }),
    body: (_o, w) => ({ title: w.secret('矩阵路演改名') }),
    expect: organiser(200),
  },
  {
    op: 'cancelRoadshow',
    object: roadshow,
    fresh: true,
    params: (o) => ({ roadshowId: o.roadshowId! }),
    body: () => ({ reason: '场地不可用' }),
    expect: organiser(200),
  },
  {
    op: 'applyRoadshowPresentation',
    object: sharedRoadshow,
    params: (o) => ({ roadshowId: o.roadshowId! }),
    body: (_o, w) => ({ title: w.secret('矩阵报名项目'), stage: 'a', fields: ['02'] }),
    expect: signedIn(403, { member: 201, orgAdmin: 201, client: 201, stranger: 201 }),
    note: 'any verified organisation may apply with a project; staff act for none',
  },
  {
    op: 'decideRoadshowPresentation',
    object: (w) => presentation(w, 'o2', false),
    fresh: true,
    params: (o) => ({ roadshowId: o.roadshowId!, presentationId: o.presentationId! }),
    body: () => ({ decision: 'accept' }),
    expect: organiser(200),
    note: 'the presenter (the stranger) is no organiser',
  },
  {
    op: 'registerRoadshowInvestor',
    object: async (w) => ({ ...(await o1Investor(w)), ...(await sharedRoadshow(w)) }),
    params: (o) => ({ roadshowId: o.roadshowId! }),
    expect: signedIn(403, { member: 200, orgAdmin: 200, client: 200, stranger: 422 }),
    note: 'O1 has an investor profile; O2 has none (422)',
  },
  {
    op: 'getRoadshowMatches',
    // A roadshow of its own: the shared one gets the stranger's presentations from other rows.
    object: (w) => w.once('roadshow:matches', () => roadshow(w)),
    params: (o) => ({ roadshowId: o.roadshowId! }),
    expect: organiser(200),
  },
  {
    op: 'createInvestmentInterest',
    object: async (w) => ({ ...(await o1Investor(w)), ...(await presentation(w, 'o2', true)) }),
    fresh: true,
    body: (o) => ({ presentationId: o.presentationId, message: '矩阵投资', contact: { name: '联系人' } }),
    expect: signedIn(403, { member: 201, orgAdmin: 201, client: 201, stranger: 422 }),
    note: "O2 presents the project: its own (and it has no profile in this row's object): 422",
  },
  { op: 'listInvestmentInterests', query: () => 'limit=5', expect: signedIn(200) },
  {
    op: 'getInvestmentInterest',
    object: (w) => w.once('investment', () => investment(w)),
    params: inv,
    expect: sides(200, 200, 200),
  },
  {
    op: 'acceptInvestmentInterest',
    object: investment,
    fresh: true,
    params: inv,
    body: () => ({ contact: { name: '成果方联系人' } }),
    expect: sides(200, 403, 403),
  },
  {
    op: 'declineInvestmentInterest',
    object: investment,
    fresh: true,
    params: inv,
    body: () => ({ reason: { code: 'terms_unsuitable' } }),
    expect: sides(200, 403, 403),
  },
  {
    op: 'withdrawInvestmentInterest',
    object: investment,
    fresh: true,
    params: inv,
    body: () => ({}),
    expect: sides(403, 200, 403),
  },
];
