import { registerMessages } from '../../platform/messages.js';

registerMessages({
  'financing-organisation-unverified': {
    title: { 'zh-CN': '机构尚未完成认证', en: 'The organisation is not verified' },
    detail: {
      'zh-CN': '只有已认证机构可登记为投资机构。',
      en: 'Only a verified organisation may have an investor profile.',
    },
  },
  'financing-organiser-required': {
    title: { 'zh-CN': '需要指定路演主办机构', en: 'An organiser organisation is required' },
  },
  'financing-achievement-not-own': {
    title: {
      'zh-CN': '只能以本机构已发布的成果参加路演',
      en: 'Present only a published achievement of yours',
    },
  },
  'financing-already-presenting': {
    title: { 'zh-CN': '该成果已报名本场路演', en: 'The achievement already applied to this roadshow' },
  },
  'financing-investor-profile-required': {
    title: { 'zh-CN': '请先登记投资机构信息', en: 'An investor profile is required' },
    detail: {
      'zh-CN':
        '登记投资阶段、领域和单笔投资额（PUT /v1/investors/{organisationId}）后才能报名路演或提交投资意向。',
      en: 'State your stages, fields and ticket sizes (PUT /v1/investors/{organisationId}) first.',
    },
  },
  'financing-presentation-not-accepted': {
    title: { 'zh-CN': '该项目不在路演名单中', en: 'The project is not presenting' },
    detail: {
      'zh-CN': '只能对主办方已接受的路演项目提交投资意向。',
      en: 'Investment interest is for presentations the organiser accepted.',
    },
  },
  'financing-own-project': {
    title: { 'zh-CN': '不能对本机构的项目提交投资意向', en: 'You cannot invest in your own project' },
  },
  'financing-roadshow-started': {
    title: {
      'zh-CN': '路演已开始，不能再修改或取消',
      en: 'The roadshow has started: it can no longer be edited or cancelled',
    },
  },
  'financing-roadshow-cancelled': {
    title: { 'zh-CN': '路演已取消，报名已关闭', en: 'The roadshow is cancelled: registrations are closed' },
  },
  'financing-investment-already-open': {
    title: { 'zh-CN': '已有一条进行中的投资意向', en: 'An open investment interest already exists' },
  },
});
