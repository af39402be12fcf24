import { registerMessages } from '../../platform/messages.js';

registerMessages({
  'interest-organisation-required': {
    title: { 'zh-CN': '需要以机构身份表达意向', en: 'An organisation is required' },
    detail: {
      'zh-CN': '合作意向须代表一个机构提出；请使用机构成员或机构客户端的令牌。',
      en: 'Interests are expressed for an organisation; use a token of a member or client of one.',
    },
  },
  'interest-organisation-unverified': {
    title: { 'zh-CN': '机构尚未完成认证', en: 'The organisation is not verified' },
    detail: {
      'zh-CN': '完成机构认证（一次认证）后才能表达合作意向。',
      en: 'Only a verified organisation may express interest.',
    },
  },
  'interest-achievement-not-found': {
    title: { 'zh-CN': '科技成果不存在或未发布', en: 'No such published achievement' },
  },
  'interest-listing-not-open': {
    title: { 'zh-CN': '该科技成果当前不接受合作意向', en: 'The achievement is not open to interests' },
    detail: {
      'zh-CN': '成果状态为「{status}」。',
      en: 'The achievement is {status}.',
    },
  },
  'interest-own-achievement': {
    title: {
      'zh-CN': '不能对本机构的成果表达意向',
      en: 'You cannot express interest in your own achievement',
    },
  },
  'interest-need-invalid': {
    title: { 'zh-CN': '关联的需求不属于本机构', en: "The need is not one of your organisation's" },
  },
  'interest-already-open': {
    title: { 'zh-CN': '已有一条进行中的合作意向', en: 'An open interest already exists' },
    detail: {
      'zh-CN': '本机构对该成果已有进行中的意向：{existingInterestId}',
      en: 'Your organisation already has an open interest in this achievement: {existingInterestId}',
    },
  },
  'interest-contract-not-registered': {
    title: { 'zh-CN': '技术合同不存在或尚未登记', en: 'The contract is not registered' },
  },
  'interest-contract-parties': {
    title: {
      'zh-CN': '技术合同的双方与意向双方不符',
      en: 'The contract parties are not the two organisations',
    },
    detail: {
      'zh-CN': '合同的卖方和买方须分别为成果所属机构和意向方机构（按统一社会信用代码核对）。',
      en: "The contract's seller and buyer must be the two organisations (compared by credit code).",
    },
  },
  'interest-contract-already-linked': {
    title: { 'zh-CN': '已关联另一份技术合同', en: 'Another contract is already linked' },
  },
});

registerMessages({
  'interest-counterparty-unverified': {
    title: { 'zh-CN': '意向方机构认证已失效', en: "The interested organisation's verification has lapsed" },
    detail: {
      'zh-CN': '意向方机构不再处于认证状态，暂不能接受并释放联系方式。',
      en: 'Contacts cannot be released to an organisation that is no longer verified.',
    },
  },
});

registerMessages({
  'interest-origin-invalid': {
    title: { 'zh-CN': '来源撮合列表无效', en: 'The origin match list is not valid' },
    detail: {
      'zh-CN': 'origin 中的需求或成果不存在，或不可见。',
      en: 'The need or achievement named in origin does not exist or is not visible to you.',
    },
  },
});
