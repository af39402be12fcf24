/** Catalog rows: achievements and needs (draft, submitted, published), experts, institutions. */
import { achievementFixture, needFixture } from '../fixtures/catalog.js';
import { type ListingStatus, listing } from './objects.js';
import { cells, type MatrixRow, ownerSide, publicScoped, signedIn } from './types.js';
import type { World } from './world.js';

let n = 0;
const content = (kind: 'achievement' | 'need', w: World, over: Record<string, unknown> = {}) => {
  const i = 900_000 + ++n;
  const fixture = kind === 'achievement' ? achievementFixture : needFixture;
  return fixture(i, { title: w.secret('矩阵新建'), externalId: `MATRIX-NEW-${w.tag}-${i}`, ...over });
};

function listingRows(kind: 'achievement' | 'need'): MatrixRow[] {
  const K = kind === 'achievement' ? 'Achievement' : 'Need';
  const shared = (status: ListingStatus) => (w: World) =>
    w.once(`${kind}:${status}`, () => listing(w, kind, status));
  const fresh = (status: ListingStatus) => (w: World) => listing(w, kind, status);
  const id = (o: Record<string, string>) => ({ id: o.id! });
  // A creator acts for its own organisation: the stranger creates in O2; registrars and
  // operators act for none and are asked to (422).
  const create = cells(201, {
    anonymous: 401,
    registrar: 422,
    otherRegistrar: 422,
    operator: 422,
    clientNoScope: 403,
  });
  const edit = (o: Record<string, string>) => ({ ...JSON.parse(o.body!), keywords: ['矩阵修改'] });
  return [
    {
      op: `list${K}s`,
      query: () => 'limit=5',
      expect: publicScoped(200),
      note: 'leaks: see the list checks',
    },
    { op: `create${K}`, body: (_o, w) => content(kind, w), expect: create },
    {
      op: `batchUpsert${K}s`,
      body: (_o, w) => ({ items: [content(kind, w)] }),
      expect: { ...create, stranger: 200, member: 200, orgAdmin: 200, client: 200 },
    },
    // Drafts are the owner's alone: everyone else, the owner's registrar included, sees nothing.
    {
      op: `get${K}`,
      variant: 'draft',
      object: shared('draft'),
      params: id,
      expect: cells(404, { member: 200, orgAdmin: 200, operator: 200, client: 200, clientNoScope: 403 }),
    },
    {
      op: `get${K}`,
      variant: 'submitted',
      object: shared('submitted'),
      params: id,
      expect: ownerSide(200, { anonymous: 404, registrar: 200 }),
    },
    {
      op: `get${K}`,
      variant: 'published',
      object: shared('published'),
      params: id,
      expect: publicScoped(200),
    },
    {
      op: `update${K}`,
      variant: 'draft',
      object: fresh('draft'),
      fresh: true,
      params: id,
      body: edit,
      expect: ownerSide(200),
    },
    {
      op: `update${K}`,
      variant: 'published',
      object: fresh('published'),
      fresh: true,
      params: id,
      body: edit,
      expect: ownerSide(200, { stranger: 403, otherRegistrar: 403, registrar: 403 }),
    },
    {
      op: `transition${K}`,
      variant: 'submit draft',
      object: fresh('draft'),
      fresh: true,
      params: id,
      body: () => ({ action: 'submit' }),
      expect: ownerSide(200),
    },
    // Review belongs to the owner's sub-centre and operators; the owner may not approve itself.
    {
      op: `transition${K}`,
      variant: 'approve submitted',
      object: fresh('submitted'),
      fresh: true,
      params: id,
      body: () => ({ action: 'approve' }),
      expect: cells(404, {
        anonymous: 401,
        member: 403,
        orgAdmin: 403,
        client: 403,
        clientNoScope: 403,
        registrar: 200,
        operator: 200,
      }),
    },
    // Only another verified organisation accepts an NDA; the owner and organisation-less staff cannot.
    {
      op: `accept${K}Nda`,
      object: fresh('published'),
      fresh: true,
      params: id,
      expect: signedIn(403, { stranger: 200 }),
    },
    {
      op: `merge${K}`,
      // The duplicate is a submitted listing; the survivor a published one of the same owner.
      object: async (w) => ({ ...(await fresh('submitted')(w)), into: (await shared('published')(w)).id! }),
      fresh: true,
      params: id,
      body: (o) => ({ into: o.into }),
      expect: cells(404, {
        anonymous: 401,
        member: 403,
        orgAdmin: 403,
        client: 403,
        clientNoScope: 403,
        registrar: 403,
        operator: 200,
      }),
    },
  ];
}

export const catalogRows: MatrixRow[] = [
  ...listingRows('achievement'),
  ...listingRows('need'),
  {
    op: 'getCatalogReviewQueue',
    query: () => 'limit=5',
    expect: signedIn(403, { registrar: 200, otherRegistrar: 200, operator: 200 }),
  },
  { op: 'listCatalogChanges', query: () => 'limit=5', expect: signedIn(200) },
  { op: 'listExperts', query: () => 'limit=5', expect: publicScoped(200) },
  {
    op: 'createExpert',
    body: (_o, w) => ({ name: '矩阵专家', fields: ['03'], organisationId: w.o1.id }),
    expect: signedIn(403, { orgAdmin: 201, operator: 201, client: 201 }),
  },
  {
    op: 'getExpert',
    object: (w) => w.once('expert', () => expert(w)),
    params: (o) => ({ id: o.id! }),
    expect: publicScoped(200),
  },
  { op: 'listServiceInstitutions', query: () => 'limit=5', expect: publicScoped(200) },
  {
    op: 'putServiceInstitution',
    body: (_o, w) => ({ organisationId: w.o1.id, name: '矩阵技术转移中心', kinds: ['技术转移'] }),
    expect: signedIn(403, { orgAdmin: 200, operator: 200, client: 200 }),
  },
  {
    op: 'getServiceInstitution',
    object: (w) => w.once('institution', () => institution(w)),
    params: (o) => ({ id: o.id! }),
    expect: publicScoped(200),
  },
];

async function expert(w: World) {
  const res = await w.as(w.users.orgAdmin, 'POST', '/v1/experts', {
    name: '矩阵专家',
    fields: ['03'],
    organisationId: w.o1.id,
  });
  return { id: res.json().id as string };
}

async function institution(w: World) {
  const res = await w.as(w.users.orgAdmin, 'PUT', '/v1/service-institutions', {
    organisationId: w.o1.id,
    name: '矩阵技术转移中心',
    kinds: ['技术转移'],
  });
  return { id: res.json().id as string };
}
