import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type FieldError } from '../errors.js';
import { message, pickLang } from '../messages.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  requestId: string;
  errors?: FieldError[];
  [k: string]: unknown;
}

interface AjvIssue {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

const zhAjv: Record<string, (p: Record<string, unknown>) => string> = {
  required: (p) => `缺少必填字段 ${String(p.missingProperty)}`,
  additionalProperties: (p) => `不允许的字段 ${String(p.additionalProperty)}`,
  type: (p) => `类型应为 ${String(p.type)}`,
  maxLength: (p) => `长度不得超过 ${String(p.limit)}`,
  minLength: (p) => `长度不得少于 ${String(p.limit)}`,
  maximum: (p) => `不得大于 ${String(p.limit)}`,
  minimum: (p) => `不得小于 ${String(p.limit)}`,
  maxItems: (p) => `最多 ${String(p.limit)} 项`,
  minItems: (p) => `至少 ${String(p.limit)} 项`,
  enum: (p) => `取值应为 ${(p.allowedValues as unknown[] | undefined)?.join('、') ?? ''} 之一`,
  const: (p) => `取值应为 ${String(p.allowedValue)}`,
  format: (p) => `格式应为 ${String(p.format)}`,
  pattern: () => '格式不正确',
};

/** Turn Ajv validation issues into field errors in the caller's language. */
export function fieldErrorsFromValidation(
  issues: AjvIssue[],
  context: string | undefined,
  lang: 'zh-CN' | 'en',
): FieldError[] {
  return issues.map((i) => {
    let field = `${context ?? 'body'}${(i.instancePath ?? '').replace(/^\//, '/')}`;
    const missing = i.params?.missingProperty ?? i.params?.additionalProperty;
    if (typeof missing === 'string') field += `/${missing}`;
    const zh = i.keyword ? zhAjv[i.keyword] : undefined;
    return {
      field,
      message: lang === 'zh-CN' && zh ? zh(i.params ?? {}) : (i.message ?? 'invalid'),
      code: i.keyword,
    };
  });
}

/** Build the RFC 9457 document for any error; 5xx never reveals internals. */
/** Seconds a client is asked to wait when the database is unreachable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);
const UNREACHABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is closed|the database system is (starting up|shutting down)/i;

/**
 * Whether `err` (or an error it wraps, as drizzle and @fastify/jwt do) says the database cannot be
 * reached: a refused or dropped connection, a pool timeout, PostgreSQL shutting down, class 08
 * (connection exception) or 57P0x (operator intervention), too many connections.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (
    let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 5;
    depth++
  ) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (UNREACHABLE_CODES.has(code) || code.startsWith('08') || /^57P0[1-3]$/.test(code) || code === '53300')
      return true;
    if (typeof e.message === 'string' && UNREACHABLE_MESSAGE.test(e.message)) return true;
    e = e.cause as typeof e;
  }
  return false;
}

export function toProblem(err: unknown, request: FastifyRequest): Problem {
  const lang = pickLang(request.headers['accept-language']);
  const base = (status: number, code: string, params = {}) => {
    const m = message(code, lang, params);
    return { type: `/problems/${code}`, title: m.title, status, detail: m.detail, requestId: request.id };
  };
  // A domain error says what failed even when an unreachable server is its cause (a search engine
  // that is down is `search-unavailable`, not the database).
  if (err instanceof AppError) {
    return {
      ...base(err.status, err.code, err.params),
      ...(err.errors ? { errors: err.errors } : {}),
      ...(err.extensions ?? {}),
    };
  }
  // A database outage is the service's, never the caller's: 503 with Retry-After on every route.
  if (isDatabaseUnavailable(err))
    return { ...base(503, 'database-unavailable'), retryAfter: DATABASE_RETRY_AFTER_SECONDS };
  const fe = err as FastifyError & { validation?: AjvIssue[]; validationContext?: string };
  if (fe?.validation) {
    return {
      ...base(400, 'validation-failed'),
      errors: fieldErrorsFromValidation(fe.validation, fe.validationContext, lang),
    };
  }
  const status = typeof fe?.statusCode === 'number' ? fe.statusCode : 500;
  if (status >= 500) return base(status === 503 ? 503 : 500, status === 503 ? 'unavailable' : 'internal');
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return base(415, 'unsupported-media-type', { expected: 'application/json' });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return base(413, 'payload-too-large', { limit: request.routeOptions.bodyLimit ?? 0 });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return base(400, 'invalid-json');
    default:
      if (fe instanceof SyntaxError) return base(400, 'invalid-json');
      if (status === 429) return base(429, 'rate-limited', { seconds: 60 });
      if (status === 414) return base(414, 'uri-too-long');
      if (status === 401) return base(401, 'unauthorized');
      if (status === 403) return base(403, 'forbidden');
      if (status === 404) return base(404, 'not-found');
      return { ...base(status, 'bad-request'), detail: fe.message };
  }
}

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  const lang = pickLang(reply.request.headers['accept-language']);
  return reply
    .code(problem.status)
    .header('content-type', PROBLEM_CONTENT_TYPE)
    .header('content-language', lang)
    .serializer(JSON.stringify)
    .send(problem);
}
