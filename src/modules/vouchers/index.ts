// The vouchers module's public face: what other modules may use (lint: biome.json overrides).
export {
  ISSUE_QUEUE,
  requestRevocationInTx,
  requestVoucherCtesText,
  requestVoucherInTx,
  type VoucherRequest,
  voucherNumbersFor,
} from './request.js';
export { textProblem } from './voucher-format.js';
