/** Technology manager rows (技术经理人): O1 employs them; operators review; parties name brokers. */
import { randomInt } from 'node:crypto';
import { type ContractStatus, contract } from './objects.js';
import { interest } from './objects-more.js';
import { order } from './services.js';
import { cells, type MatrixRow, type Obj, publicScoped, signedIn } from './types.js';
import type { World } from './world.js';

let serial = 0;
const certificateNo = () => `JSTM20242${String((randomInt(1e5) * 10 + ++serial) % 1e6).padStart(6, '0')}`;

/** A manager of O1, registered by its admin (pending) and, for 'active', approved by an operator. */
export async function manager(w: World, status: 'pending' | 'active'): Promise<Obj> {
  const bio = w.secret('矩阵经理人简介');
  const res = await w.as(w.users.orgAdmin, 'POST', '/v1/technology-managers', {
    name: '矩阵经理人',
    level: 'intermediate',
    certificateNo: certificateNo(),
    fields: ['01'],
    bio,
    phone: '13800001111',
  });
  const id = res.json().id as string;
  if (status === 'active')
    await w.as(w.users.operator, 'POST', `/v1/technology-managers/${id}/review`, { decision: 'approve' });
  return { id, bio };
}

const id = (o: Obj) => ({ managerId: o.id! });
/** Who sees a pending manager: its employer (O1) and operators; anyone else is shown nothing. */
const employerSide = (status: number, named: Parameters<typeof cells>[1] = {}) =>
  cells(404, {
    anonymous: 401,
    clientNoScope: 403,
    member: status,
    orgAdmin: status,
    client: status,
    operator: status,
    ...named,
  });
const activeManager = (w: World) => w.once('manager:active', () => manager(w, 'active'));
const withManager = (subject: (w: World) => Promise<Obj>) => async (w: World) => ({
  ...(await subject(w)),
  managerId: (await activeManager(w)).id!,
});
const brokerContract = (status: ContractStatus) => withManager((w) => contract(w, status));

export const managerRows: MatrixRow[] = [
  { op: 'listTechnologyManagers', query: () => 'limit=5', expect: publicScoped(200) },
  {
    op: 'registerTechnologyManager',
    body: (_o, w) => ({
      employerOrganisationId: w.o1.id,
      name: '矩阵新经理人',
      level: 'intermediate',
      certificateNo: certificateNo(),
      fields: ['02'],
    }),
    expect: signedIn(403, { orgAdmin: 201, client: 201, operator: 201 }),
    note: "O1's administrators (and its client) or operators; a plain member may not",
  },
  {
    op: 'getTechnologyManager',
    variant: 'pending',
    object: (w) => w.once('manager:pending', () => manager(w, 'pending')),
    params: id,
    expect: employerSide(200, { anonymous: 404 }),
    note: 'a public read: a pending registration does not exist for others, anonymous included (404)',
  },
  {
    op: 'getTechnologyManager',
    variant: 'active',
    object: activeManager,
    params: id,
    expect: publicScoped(200),
  },
  {
    op: 'updateTechnologyManager',
    object: (w) => manager(w, 'pending'),
    fresh: true,
    params: id,
    body: () => ({ fields: ['03'] }),
    expect: employerSide(200, { member: 403 }),
  },
  {
    op: 'reviewTechnologyManager',
    object: (w) => manager(w, 'pending'),
    fresh: true,
    params: id,
    body: () => ({ decision: 'approve' }),
    expect: employerSide(403, { operator: 200 }),
  },
  {
    op: 'getTechnologyManagerRewards',
    query: () => 'year=2026&limit=5',
    expect: signedIn(403, { operator: 200 }),
  },
  {
    op: 'getTechnologyManagerSetAsides',
    query: () => 'year=2026&limit=5',
    expect: signedIn(403, { operator: 200 }),
  },
  {
    op: 'nameInterestBroker',
    object: withManager((w) => interest(w, 'pending')),
    fresh: true,
    params: (o) => ({ interestId: o.id! }),
    body: (o) => ({ managerId: o.managerId }),
    expect: employerSide(201, { operator: 403 }),
    note: 'the owner side is a party; operators see the interest but are no party (403)',
  },
  {
    op: 'nameContractBroker',
    object: brokerContract('submitted'),
    fresh: true,
    params: (o) => ({ id: o.id! }),
    body: (o) => ({ managerId: o.managerId }),
    expect: employerSide(201, { operator: 403, registrar: 403 }),
    note: 'the applicant is a party; the registrar and operators see the contract but are no party',
  },
  {
    op: 'nameServiceOrderBroker',
    object: withManager((w) => order(w, 'accepted')),
    fresh: true,
    params: (o) => ({ orderId: o.id! }),
    body: (o) => ({ managerId: o.managerId }),
    expect: employerSide(201, { operator: 403, registrar: 403 }),
    note: "O1 is the order's buyer, a party; the buyer's registrar and operators see it but are no party",
  },
];
