import { registerMessages } from '../../platform/messages.js';

/** Problem texts of the identity module (zh-CN first, English fallback). */
registerMessages({
  'email-taken': {
    title: { 'zh-CN': '该邮箱已注册', en: 'This e-mail address is already registered' },
  },
  'mobile-taken': {
    title: { 'zh-CN': '该手机号已被其他账号使用', en: 'This mobile number is used by another account' },
  },
  'resident-id-taken': {
    title: {
      'zh-CN': '该身份证号已被其他账号实名认证',
      en: 'This resident ID is verified for another account',
    },
  },
  'credit-code-taken': {
    title: {
      'zh-CN': '该统一社会信用代码已被其他机构使用',
      en: 'This unified social credit code belongs to another organisation',
    },
  },
  'already-verified': {
    title: { 'zh-CN': '机构已通过认证，无需重复申请', en: 'The organisation is already verified' },
    detail: {
      'zh-CN': '一次认证，处处通用；变更名称或信用代码后才需重新认证。',
      en: 'Verification is done once; only a change of name or credit code requires it again.',
    },
  },
  'application-pending': {
    title: { 'zh-CN': '已有待审核的申请', en: 'An application is already pending' },
  },
  'no-sub-centre': {
    title: {
      'zh-CN': '机构未归属任何分中心，无法受理认证',
      en: 'The organisation has no sub-centre to verify it',
    },
  },
  'credit-code-override-reason-required': {
    title: {
      'zh-CN': '信用代码校验位不符，须填写接受理由',
      en: 'The credit code fails its check character: a reason for accepting it is required',
    },
  },
  'already-member': {
    title: { 'zh-CN': '该用户已是本机构成员', en: 'This person is already a member' },
  },
  'user-not-found': {
    title: { 'zh-CN': '没有使用该邮箱的账号', en: 'No account uses this e-mail address' },
  },
  'last-org-admin': {
    title: { 'zh-CN': '机构至少需要保留一名管理员', en: 'An organisation must keep at least one admin' },
  },
  'role-already-granted': {
    title: { 'zh-CN': '该角色已授予', en: 'This role is already granted' },
  },
  'sub-centre-exists': {
    title: { 'zh-CN': '该分中心代码已存在', en: 'A sub-centre with this code exists' },
  },
  'users-only': {
    title: { 'zh-CN': '此操作须由个人账号执行', en: 'Only a person may do this' },
  },
});
