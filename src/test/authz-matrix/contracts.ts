/** Contract registration rows (技术合同认定登记): O1 applies, S1's registrar reviews. */
import { application } from '../fixtures/contracts.js';
import { amendment, type ContractStatus, contract } from './objects.js';
import { cells, type Expectations, type MatrixRow, signedIn } from './types.js';
import type { World } from './world.js';

const fresh = (status: ContractStatus) => (w: World) => contract(w, status);
const shared = (status: ContractStatus) => (w: World) =>
  w.once(`contract:${status}`, () => contract(w, status));
const id = (o: Record<string, string>) => ({ id: o.id! });
/** Who sees a contract: the applicant's side, S1's registrar, operators; others are shown nothing. */
const seen = (named: Partial<Expectations>) => cells(404, { anonymous: 401, clientNoScope: 403, ...named });
const read = seen({ member: 200, orgAdmin: 200, client: 200, registrar: 200, operator: 200 });
/** The applicant edits; the registrar and operators see but may not. */
const applicant = (status: number) =>
  seen({ member: status, orgAdmin: status, client: status, registrar: 403, operator: 403 });
/** S1's registrar reviews; the applicant and operators see but may not. */
const reviewer = (status: number) =>
  seen({ member: 403, orgAdmin: 403, client: 403, registrar: status, operator: 403 });
/** Registration points' reports: registrars and operators. */
const staff = signedIn(403, { registrar: 200, otherRegistrar: 200, operator: 200 });

export const contractRows: MatrixRow[] = [
  { op: 'getHolidayCalendar', expect: signedIn(403, { operator: 200 }) },
  {
    op: 'importHolidayCalendar',
    // A holiday that ends before it starts: refused after authorisation, so the calendar never changes.
    body: () => ({
      years: {
        '2099': {
          source: 'matrix',
          provisional: true,
          holidays: [{ name: '矩阵', from: '2099-01-03', to: '2099-01-01' }],
          workdays: [],
        },
      },
    }),
    expect: signedIn(403, { operator: 400 }),
  },
  { op: 'listContracts', query: () => 'limit=5', expect: signedIn(200), note: 'leaks: see the list checks' },
  {
    op: 'createContract',
    body: (_o, w) =>
      application({ sellerCode: w.o1.creditCode, subCentre: w.s1 }, { projectName: w.secret('矩阵新合同') }),
    expect: signedIn(403, { member: 201, orgAdmin: 201, client: 201, stranger: 422 }),
    note: "the stranger's organisation is no party to O1's contract (422); staff act for none (403)",
  },
  { op: 'listOverdueContracts', query: () => 'limit=5', expect: staff },
  {
    op: 'getContractStatistics',
    query: (_o, w) => `year=2026&subCentreId=${w.s1.id}`,
    expect: { ...staff, otherRegistrar: 403 },
  },
  {
    op: 'exportContractStatistics',
    query: (_o, w) => `year=2026&subCentreId=${w.s1.id}`,
    expect: { ...staff, otherRegistrar: 403 },
  },
  {
    op: 'getContractTaxView',
    query: (_o, w) => `year=2026&subCentreId=${w.s1.id}`,
    expect: { ...staff, otherRegistrar: 403 },
  },
  { op: 'getContractRewards', query: () => 'year=2026', expect: signedIn(403, { operator: 200 }) },
  { op: 'getContract', variant: 'draft', object: shared('draft'), params: id, expect: read },
  { op: 'getContract', variant: 'submitted', object: shared('submitted'), params: id, expect: read },
  {
    op: 'updateContract',
    object: fresh('draft'),
    fresh: true,
    params: id,
    body: (o) => ({ ...JSON.parse(o.body!), technologyField: '07' }),
    expect: applicant(200),
  },
  { op: 'submitContract', object: fresh('draft'), fresh: true, params: id, expect: applicant(200) },
  { op: 'takeContractForReview', object: fresh('submitted'), fresh: true, params: id, expect: reviewer(200) },
  {
    op: 'returnContract',
    object: fresh('under_review'),
    fresh: true,
    params: id,
    body: () => ({ reasons: [{ code: 'other', message: '矩阵退回' }] }),
    expect: reviewer(200),
  },
  {
    op: 'refuseContract',
    object: fresh('under_review'),
    fresh: true,
    params: id,
    body: () => ({ ground: 'other', text: '矩阵不予登记' }),
    expect: reviewer(200),
  },
  {
    op: 'registerContract',
    object: fresh('under_review'),
    fresh: true,
    params: id,
    body: () => ({}),
    expect: reviewer(200),
  },
  {
    op: 'cancelContract',
    object: fresh('registered'),
    fresh: true,
    params: id,
    body: () => ({ reason: '矩阵撤销登记' }),
    expect: reviewer(200),
  },
  { op: 'listContractAmendments', object: shared('registered'), params: id, expect: read },
  {
    op: 'requestContractAmendment',
    object: fresh('registered'),
    fresh: true,
    params: id,
    body: () => ({ changes: { validTo: '2027-06-30' }, reason: '矩阵延期' }),
    expect: applicant(201),
  },
  {
    op: 'approveContractAmendment',
    object: amendment,
    fresh: true,
    params: (o) => ({ id: o.id!, amendmentId: o.amendmentId! }),
    body: () => ({}),
    expect: reviewer(200),
  },
  {
    op: 'approveContractAmendment',
    variant: "another contract's amendment",
    object: async (w) => ({
      ...(await shared('registered')(w)),
      amendmentId: (await amendment(w)).amendmentId!,
    }),
    params: (o) => ({ id: o.id!, amendmentId: o.amendmentId! }),
    body: () => ({}),
    expect: reviewer(404),
    note: 'an amendment is decided through its own contract only',
  },
  {
    op: 'rejectContractAmendment',
    object: amendment,
    fresh: true,
    params: (o) => ({ id: o.id!, amendmentId: o.amendmentId! }),
    body: () => ({ note: '矩阵驳回' }),
    expect: reviewer(200),
  },
];
