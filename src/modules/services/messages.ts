import { registerMessages } from '../../platform/messages.js';

registerMessages({
  'service-organisation-required': {
    title: { 'zh-CN': '需要以机构身份操作', en: 'An organisation is required' },
    detail: {
      'zh-CN': '请使用机构成员或机构客户端的令牌。',
      en: 'Use a token of a member or client of an organisation.',
    },
  },
  'service-organisation-unverified': {
    title: { 'zh-CN': '机构尚未完成认证', en: 'The organisation is not verified' },
  },
  'service-institution-required': {
    title: {
      'zh-CN': '仅经认证的服务机构可发布服务',
      en: 'Only a verified service institution may offer services',
    },
  },
  'service-qualification-missing': {
    title: { 'zh-CN': '缺少该服务类别所需的资质', en: 'The qualification this kind needs is missing' },
    detail: {
      'zh-CN': '「{kind}」类服务须填写资质证书编号及有效期。',
      en: 'Offerings of kind {kind} need a licence number and its validity.',
    },
  },
  'service-qualification-expired': {
    title: { 'zh-CN': '资质已过有效期', en: 'The qualification has expired' },
    detail: {
      'zh-CN': '资质有效期至 {validUntil}，已过期。',
      en: 'The licence was valid until {validUntil}.',
    },
  },
  'service-price-invalid': {
    title: { 'zh-CN': '价格与计价方式不符', en: 'The price does not fit the price model' },
    detail: {
      'zh-CN': '固定价和起价须给出价格（分）；面议不填价格。',
      en: 'fixed and from need priceFen; quote takes none.',
    },
  },
  'service-offering-not-editable': {
    title: {
      'zh-CN': '仅草稿、被退回或已发布的服务可修改',
      en: 'Only a draft, rejected or published offering can be edited',
    },
    detail: {
      'zh-CN': '待审核的服务不可修改；已撤回的服务请重新创建。',
      en: 'A submitted offering awaits review; a withdrawn one is gone: draft a new one.',
    },
  },
  'service-offering-kind-fixed': {
    title: {
      'zh-CN': '已发布服务的类别不可更改',
      en: 'The kind of a published offering cannot change',
    },
    detail: {
      'zh-CN': '该服务的类别为「{kind}」；其他类别的服务请另行创建。',
      en: 'The offering is of kind {kind}; an offering of another kind is a new offering.',
    },
  },
  'service-subject-invalid': {
    title: { 'zh-CN': '关联对象不属于本机构', en: "The subject is not one of your organisation's" },
  },
  'service-request-closed': {
    title: { 'zh-CN': '该服务需求已不再接受报价', en: 'The request takes no more quotes' },
  },
  'service-offering-not-quotable': {
    title: {
      'zh-CN': '报价须使用本机构已发布的同类服务',
      en: "Quote with one of your organisation's published offerings of the request's kind",
    },
  },
  'service-quote-expired': {
    title: { 'zh-CN': '报价已过有效期', en: 'The quote has expired' },
  },
  'service-quote-already-ordered': {
    title: { 'zh-CN': '该服务需求已下单', en: 'An order was already made for this request' },
    detail: { 'zh-CN': '订单：{orderId}', en: 'Order: {orderId}' },
  },
  'service-quote-withdrawn': {
    title: { 'zh-CN': '该报价已撤回', en: 'The quote was withdrawn' },
  },
  'service-offering-unavailable': {
    title: { 'zh-CN': '所报价的服务已下架', en: 'The quoted offering is no longer published' },
  },
  'service-order-already-rated': {
    title: { 'zh-CN': '该订单已评价', en: 'The order was already rated' },
  },
  'service-order-not-rated': {
    title: { 'zh-CN': '买方尚未评价', en: 'The buyer has not rated the order' },
  },
  'service-order-already-replied': {
    title: { 'zh-CN': '已回复过该评价', en: 'The rating was already answered' },
  },
  'service-order-not-delivered': {
    title: { 'zh-CN': '订单尚未交付，不能评价', en: 'The order was not delivered yet' },
  },
});
