import type { MessageParams } from './errors.js';

/**
 * Problem titles and details in zh-CN (default) and English. Keys are the stable problem codes;
 * modules add their own through `registerMessages` instead of editing one central table.
 */
export type Lang = 'zh-CN' | 'en';
interface Entry {
  title: Record<Lang, string>;
  detail?: Record<Lang, string>;
}

const catalogue = new Map<string, Entry>();

export function registerMessages(entries: Record<string, Entry>): void {
  for (const [code, entry] of Object.entries(entries)) catalogue.set(code, entry);
}

registerMessages({
  'validation-failed': {
    title: { 'zh-CN': '请求参数不合法', en: 'The request is not valid' },
    detail: {
      'zh-CN': '请根据 errors 字段修正后重试。',
      en: 'Correct the fields listed in errors and retry.',
    },
  },
  'bad-request': { title: { 'zh-CN': '请求无法处理', en: 'Bad request' } },
  'nul-character': {
    title: { 'zh-CN': '请求包含空字符', en: 'The request contains a NUL character' },
    detail: { 'zh-CN': '文本中不允许出现 \\u0000。', en: 'Text must not contain \\u0000.' },
  },
  'invalid-json': {
    title: { 'zh-CN': '请求体不是合法的 JSON', en: 'The request body is not valid JSON' },
  },
  'unsupported-media-type': {
    title: { 'zh-CN': '不支持的内容类型', en: 'Unsupported media type' },
    detail: { 'zh-CN': '请使用 {expected}。', en: 'Use {expected}.' },
  },
  'payload-too-large': {
    title: { 'zh-CN': '请求体过大', en: 'Payload too large' },
    detail: { 'zh-CN': '请求体不得超过 {limit} 字节。', en: 'The body must not exceed {limit} bytes.' },
  },
  'invalid-cursor': {
    title: { 'zh-CN': '分页游标无效', en: 'Invalid pagination cursor' },
    detail: {
      'zh-CN': '游标已损坏或不属于此列表，请从第一页重新开始。',
      en: 'The cursor is corrupt or belongs to another list; start again from the first page.',
    },
  },
  unauthorized: { title: { 'zh-CN': '需要登录', en: 'Authentication required' } },
  'invalid-token': {
    title: { 'zh-CN': '访问令牌无效或已过期', en: 'The access token is invalid or expired' },
    detail: { 'zh-CN': '请重新获取访问令牌。', en: 'Obtain a new access token.' },
  },
  'insufficient-scope': {
    title: { 'zh-CN': '访问令牌的授权范围不足', en: 'The access token lacks a required scope' },
    detail: { 'zh-CN': '缺少授权范围：{scopes}', en: 'Missing scope: {scopes}' },
  },
  forbidden: { title: { 'zh-CN': '无权执行此操作', en: 'You may not do this' } },
  'not-found': { title: { 'zh-CN': '资源不存在', en: 'Not found' } },
  'route-not-found': {
    title: { 'zh-CN': '接口不存在', en: 'No such endpoint' },
    detail: { 'zh-CN': '没有 {method} {url} 这个接口。', en: 'There is no {method} {url} endpoint.' },
  },
  'method-not-allowed': {
    title: { 'zh-CN': '不支持的请求方法', en: 'Method not allowed' },
    detail: {
      'zh-CN': '这个接口不支持 {method}，支持的方法见 Allow 响应头。',
      en: 'This endpoint does not support {method}; the Allow header lists the methods it does.',
    },
  },
  'ill-formed-text': {
    title: { 'zh-CN': '文本不是合法的 Unicode', en: 'The text is not valid Unicode' },
    detail: {
      'zh-CN': 'errors 中列出的字段含有孤立的 UTF-16 代理项（如 \\ud800），请修正后重试。',
      en: 'The fields listed in errors contain a lone UTF-16 surrogate (such as \\ud800).',
    },
  },
  'request-timeout': {
    title: { 'zh-CN': '请求超时', en: 'Request timeout' },
    detail: {
      'zh-CN': '请求头和请求体未在规定时间内传完，连接已关闭。',
      en: 'The request headers and body did not arrive in time; the connection was closed.',
    },
  },
  'header-fields-too-large': {
    title: { 'zh-CN': '请求头过大', en: 'Request header fields too large' },
    detail: {
      'zh-CN': '请求行和请求头合计不得超过 16 KB。',
      en: 'The request line and headers must not exceed 16 KB.',
    },
  },
  'uri-too-long': {
    title: { 'zh-CN': '请求地址过长', en: 'URI too long' },
    detail: {
      'zh-CN': '请求地址或其中的参数过长。',
      en: 'The request URI or one of its parameters is too long.',
    },
  },
  conflict: { title: { 'zh-CN': '与当前状态冲突', en: 'Conflict with the current state' } },
  'invalid-transition': {
    title: { 'zh-CN': '当前状态不允许此操作', en: 'This transition is not allowed in the current state' },
    detail: {
      'zh-CN': '状态为「{from}」时不能执行「{action}」。',
      en: 'Cannot {action} while the state is {from}.',
    },
  },
  unprocessable: { title: { 'zh-CN': '请求无法执行', en: 'Unprocessable request' } },
  'idempotency-key-reused': {
    title: { 'zh-CN': '幂等键已用于另一个请求', en: 'Idempotency key reused with a different request' },
    detail: {
      'zh-CN': '同一个 Idempotency-Key 只能用于完全相同的请求，请换一个新的键。',
      en: 'An Idempotency-Key may only be reused for an identical request; use a new key.',
    },
  },
  'idempotency-key-in-flight': {
    title: { 'zh-CN': '相同幂等键的请求正在处理', en: 'A request with this idempotency key is in progress' },
    detail: { 'zh-CN': '请稍后重试。', en: 'Retry shortly.' },
  },
  'invalid-idempotency-key': {
    title: { 'zh-CN': 'Idempotency-Key 不合法', en: 'Invalid Idempotency-Key' },
    detail: {
      'zh-CN': '幂等键应为 1–255 个可见 ASCII 字符。',
      en: 'The key must be 1–255 visible ASCII characters.',
    },
  },
  'rate-limited': {
    title: { 'zh-CN': '请求过于频繁', en: 'Too many requests' },
    detail: { 'zh-CN': '请在 {seconds} 秒后重试。', en: 'Retry in {seconds} seconds.' },
  },
  unavailable: { title: { 'zh-CN': '服务暂不可用', en: 'Service unavailable' } },
  'database-unavailable': {
    title: { 'zh-CN': '数据库暂不可用', en: 'The database is unavailable' },
    detail: {
      'zh-CN': '请在 Retry-After 所示秒数后重试；您的令牌仍然有效。',
      en: 'Retry after the seconds in Retry-After; your token is still valid.',
    },
  },
  internal: {
    title: { 'zh-CN': '服务器内部错误', en: 'Internal server error' },
    detail: {
      'zh-CN': '请求未能完成，请稍后重试；如问题持续，请提供请求编号联系我们。',
      en: 'The request could not be completed; retry later, and quote the request id if it persists.',
    },
  },
});

export function pickLang(acceptLanguage: string | undefined): Lang {
  if (!acceptLanguage) return 'zh-CN';
  const ranked = acceptLanguage
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: tag.toLowerCase(), q: q ? Number(q.slice(2)) || 0 : 1 };
    })
    .filter((x) => x.tag && x.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    if (tag.startsWith('zh')) return 'zh-CN';
    if (tag.startsWith('en')) return 'en';
  }
  return 'zh-CN';
}

function fill(template: string, params: MessageParams): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m));
}

export function message(
  code: string,
  lang: Lang,
  params: MessageParams = {},
): { title: string; detail?: string } {
  const entry = catalogue.get(code);
  if (!entry) return { title: code };
  return {
    title: fill(entry.title[lang], params),
    detail: entry.detail ? fill(entry.detail[lang], params) : undefined,
  };
}

export function hasMessage(code: string): boolean {
  return catalogue.has(code);
}
