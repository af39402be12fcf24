import { registerMessages } from '../../platform/messages.js';

// Problem texts of the contracts module (zh-CN first, English fallback).
registerMessages({
  'contract-applicant-no-organisation': {
    title: { 'zh-CN': '需要以机构身份申请登记', en: 'Apply on behalf of an organisation' },
    detail: {
      'zh-CN': '技术合同认定登记由卖方（或引进技术的境内买方）机构申请。',
      en: 'Registration is applied for by the seller side (or the domestic buyer of imported technology).',
    },
  },
  'contract-applicant-not-verified': {
    title: { 'zh-CN': '申请机构尚未完成认证', en: 'The applying organisation is not verified' },
  },
  'contract-applicant-no-registration-point': {
    title: {
      'zh-CN': '申请机构未归属任何登记机构',
      en: 'The applying organisation has no registration point',
    },
  },
  'contract-applicant-not-party': {
    title: {
      'zh-CN': '申请机构不是合同的申请方',
      en: 'The applicant is not the applying party of the contract',
    },
    detail: {
      'zh-CN': '申请机构的统一社会信用代码须与{side}一致。',
      en: "The applicant's credit code must match the {side}.",
    },
  },
  'contract-serial-exhausted': {
    title: { 'zh-CN': '本年度登记序号已用尽', en: "This year's registration serials are exhausted" },
  },
  'contract-amendment-pending': {
    title: { 'zh-CN': '已有待审核的变更申请', en: 'An amendment is already pending' },
  },
  'contract-registered-immutable': {
    title: { 'zh-CN': '已登记的合同不可修改', en: 'A registered contract cannot be changed' },
    detail: {
      'zh-CN': '请通过变更申请或注销流程办理。',
      en: 'Use an amendment request or a cancellation.',
    },
  },
});
