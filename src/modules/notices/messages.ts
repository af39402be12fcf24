import { registerMessages } from '../../platform/messages.js';

registerMessages({
  'price-notice-achievement-not-found': {
    title: { 'zh-CN': '科技成果不存在或未公开', en: 'No such public achievement' },
  },
  'price-notice-not-state-funded': {
    title: {
      'zh-CN': '协议定价公示仅适用于高校和科研院所',
      en: 'Price notices are for universities and research institutes',
    },
    detail: {
      'zh-CN': '只有国家设立的高校、科研院所（机构类型 university / institute）需发布协议定价公示。',
      en: 'Only state-funded organisations (type university or institute) publish negotiated prices.',
    },
  },
  'price-notice-counterparty-code': {
    title: { 'zh-CN': '受让方统一社会信用代码无效', en: "The counterparty's credit code is invalid" },
  },
  'price-notice-period-over': {
    title: { 'zh-CN': '公示期已结束，不再受理异议', en: 'The notice period is over' },
    detail: { 'zh-CN': '公示期已于 {endsAt} 结束。', en: 'The period ended at {endsAt}.' },
  },
  'price-notice-withdrawn': {
    title: { 'zh-CN': '该公示已撤回', en: 'The notice was withdrawn' },
  },
  'price-notice-own-objection': {
    title: { 'zh-CN': '不能对本机构的公示提出异议', en: "You cannot object to your organisation's notice" },
  },
  'price-notice-objection-exists': {
    title: { 'zh-CN': '您已对该公示提出过异议', en: 'You have already objected to this notice' },
  },
  'price-notice-already-answered': {
    title: { 'zh-CN': '该异议已答复', en: 'The objection has already been answered' },
  },
  'contract-price-notice-required': {
    title: { 'zh-CN': '需先完成协议定价公示', en: 'A cleared price notice is required' },
    detail: {
      'zh-CN':
        '卖方为高校或科研院所的技术转让/许可合同，须先对成果 {missing} 与受让方「{counterparty}」发布协议定价公示，且公示期满无未答复的异议（{reason}）。',
      en: 'A transfer or licence by a university or institute needs, for achievement {missing} and counterparty "{counterparty}", a price notice whose period has ended without an unanswered objection ({reason}).',
    },
  },
});
