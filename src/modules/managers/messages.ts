import { registerMessages } from '../../platform/messages.js';

registerMessages({
  'manager-employer-not-found': {
    title: { 'zh-CN': '所属机构不存在', en: 'No such employer organisation' },
  },
  'manager-employer-unverified': {
    title: { 'zh-CN': '所属机构尚未完成认证', en: 'The employer organisation is not verified' },
    detail: {
      'zh-CN': '技术经理人须由已认证机构登记。',
      en: 'Technology managers are registered by a verified organisation.',
    },
  },
  'manager-certificate-taken': {
    title: { 'zh-CN': '证书编号已登记', en: 'The certificate number is already registered' },
    detail: {
      'zh-CN': '证书编号 {certificateNo} 已属于另一位技术经理人。',
      en: 'Certificate number {certificateNo} already belongs to another technology manager.',
    },
  },
  'manager-certificate-invalid': {
    title: { 'zh-CN': '证书编号格式不正确', en: 'The certificate number is not valid' },
    detail: {
      'zh-CN':
        '格式：省份字母2位 + TM + 发证年份4位 + 等级数字（1初级/2中级/3高级）+ 序号6位，例如 JSTM20242000123。',
      en: 'Format: province (2 letters), TM, year (4 digits), level digit (1/2/3), serial (6 digits), e.g. JSTM20242000123.',
    },
  },
  'manager-not-active': {
    title: { 'zh-CN': '该技术经理人未在册', en: 'The technology manager is not active' },
    detail: {
      'zh-CN': '只有审核通过、在册的技术经理人可被指定为居间人（当前状态：{status}）。',
      en: 'Only an active (approved) technology manager may be named as broker (status: {status}).',
    },
  },
  'manager-broker-subject-closed': {
    title: { 'zh-CN': '该对象当前不能指定居间人', en: 'A broker cannot be named on it now' },
    detail: { 'zh-CN': '当前状态：{status}。', en: 'Its status is {status}.' },
  },
  'manager-review-reason-required': {
    title: { 'zh-CN': '请说明理由', en: 'A reason is required' },
    detail: {
      'zh-CN': '驳回或撤销登记须说明理由。',
      en: 'Rejecting or revoking a registration needs a reason.',
    },
  },
});
