import { registerMessages } from '../../../platform/messages.js';

registerMessages({
  'session-not-found': {
    title: { 'zh-CN': '登录会话不存在', en: 'No such session' },
    detail: {
      'zh-CN': '该会话或授权不存在、已过期或已撤销。',
      en: 'The session or grant does not exist, has expired or was revoked.',
    },
  },
  'sessions-people-only': {
    title: { 'zh-CN': '仅限个人用户', en: 'For people only' },
    detail: {
      'zh-CN': '机器客户端没有登录会话。',
      en: 'Machine clients have no sign-in sessions.',
    },
  },
  'invalid-client-metadata': {
    title: { 'zh-CN': '客户端登记信息不合法', en: 'Invalid client metadata' },
    detail: { 'zh-CN': '请检查字段 {field}。', en: 'Check the field {field}.' },
  },
});
