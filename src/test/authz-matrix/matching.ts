/** Search and matching rows, the listing version history, saved searches and the synonym thesaurus. */
import { type ListingStatus, listing } from './objects.js';
import { savedSearch } from './objects-more.js';
import { cells, type MatrixRow, publicScoped, signedIn } from './types.js';
import type { World } from './world.js';

const shared = (kind: 'achievement' | 'need', status: ListingStatus) => (w: World) =>
  w.once(`${kind}:${status}`, () => listing(w, kind, status));
const id = (o: Record<string, string>) => ({ id: o.id! });
/** A draft is its owner's alone (and operators'): outsiders are shown nothing, anonymous ones too. */
const draftOnly = cells(404, { member: 200, orgAdmin: 200, operator: 200, client: 200, clientNoScope: 403 });

function perListing(op: string, kind: 'achievement' | 'need'): MatrixRow[] {
  return [
    { op, variant: 'draft', object: shared(kind, 'draft'), params: id, expect: draftOnly },
    { op, variant: 'published', object: shared(kind, 'published'), params: id, expect: publicScoped(200) },
  ];
}

/** A saved search is personal: its person only; for anyone else it does not exist. */
const personal = (status: number) => cells(404, { anonymous: 401, clientNoScope: 403, member: status });
const mine = (w: World) => w.once('savedSearch', () => savedSearch(w));
const ssId = (o: Record<string, string>) => ({ savedSearchId: o.id! });

export const matchingRows: MatrixRow[] = [
  { op: 'search', query: () => 'q=%E7%9F%A9%E9%98%B5&limit=5', expect: publicScoped(200) },
  // service offerings (issue 16): public like the rest of the index
  {
    op: 'search',
    query: () => 'type=offering&kind=testing&q=%E6%A3%80%E6%B5%8B&limit=5',
    expect: publicScoped(200),
  },
  ...perListing('getAchievementMatches', 'achievement'),
  ...perListing('getNeedMatches', 'need'),
  { op: 'queryMatches', body: () => ({ text: '正极材料制备' }), expect: publicScoped(200) },
  ...perListing('listAchievementVersions', 'achievement'),
  ...perListing('listNeedVersions', 'need'),
  { op: 'getSynonymThesaurus', expect: signedIn(403, { operator: 200 }) },
  {
    op: 'replaceSynonymThesaurus',
    // Two groups with one id: refused after authorisation, so the shared thesaurus never changes.
    body: () => ({
      groups: [
        { id: 'matrix', terms: ['甲', '乙'] },
        { id: 'matrix', terms: ['丙', '丁'] },
      ],
    }),
    expect: signedIn(403, { operator: 400 }),
  },
  {
    op: 'listSavedSearches',
    query: () => 'limit=5',
    expect: signedIn(200),
    note: 'a machine client has none: an empty page',
  },
  {
    op: 'createSavedSearch',
    body: (_o, w) => ({ name: w.secret('矩阵新订阅'), type: 'need', q: '正极材料' }),
    expect: signedIn(201, { client: 403 }),
    note: 'alerts go to a person: machine clients cannot save searches',
  },
  { op: 'getSavedSearch', object: mine, params: ssId, expect: personal(200) },
  {
    op: 'updateSavedSearch',
    object: savedSearch,
    fresh: true,
    params: ssId,
    body: () => ({ q: '锂电池' }),
    expect: personal(200),
  },
  { op: 'deleteSavedSearch', object: savedSearch, fresh: true, params: ssId, expect: personal(204) },
  { op: 'listSavedSearchAlerts', object: mine, params: ssId, expect: personal(200) },
];
