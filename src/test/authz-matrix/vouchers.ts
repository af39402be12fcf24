/** Voucher rows: data product transactions (O1's partner client submits) and the public log. */
import { dataTransaction, dataTransactionBody } from './objects.js';
import { anyone, cells, type MatrixRow, signedIn } from './types.js';

export const voucherRows: MatrixRow[] = [
  {
    op: 'submitDataTransaction',
    body: (_o, w) => dataTransactionBody(w.secret('dx-new'), w),
    // Any verified organisation submits its own; staff act for none.
    expect: signedIn(202, { registrar: 403, otherRegistrar: 403, operator: 403 }),
  },
  {
    op: 'getDataTransaction',
    object: (w) => w.once('dataTransaction', () => dataTransaction(w)),
    params: (o) => ({ transactionId: o.id! }),
    expect: cells(404, { anonymous: 401, clientNoScope: 403, member: 200, orgAdmin: 200, client: 200 }),
    note: "only the submitting organisation; even operators are shown nothing of a partner's transaction",
  },
  // The public, verifiable side: the same for everyone.
  { op: 'getVoucherLogCheckpoint', expect: anyone('same') },
  { op: 'getVoucherConsistencyProof', query: () => 'from=1&to=1', expect: anyone('same') },
  { op: 'getVoucherKeys', expect: anyone(200) },
  { op: 'getVoucherStatusList', expect: anyone('same') },
  { op: 'verifyVoucher', body: () => ({ voucher: {} }), expect: anyone('same') },
  { op: 'getVoucher', params: () => ({ number: 'JSTE-2026-000000000001' }), expect: anyone('same') },
  {
    op: 'getVoucherInclusionProof',
    params: () => ({ number: 'JSTE-2026-000000000001' }),
    expect: anyone('same'),
  },
  { op: 'getVoucherBundle', params: () => ({ number: 'JSTE-2026-000000000001' }), expect: anyone('same') },
  { op: 'getVoucherPage', params: () => ({ number: 'JSTE-2026-000000000001' }), expect: anyone('same') },
];
