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
export function toProblem(err: unknown, request: FastifyRequest): Problem {
  const lang = pickLang(request.headers['accept-language']);
  const base = (status: number, code: string, params = {}) => {
    const m = message(code, lang, params);
    return { type: `/problems/${code}`, title: m.title, status, detail: m.detail, requestId: request.id };
  };
  if (err instanceof AppError) {
    return {
      ...base(err.status, err.code, err.params),
      ...(err.errors ? { errors: err.errors } : {}),
      ...(err.extensions ?? {}),
    };
  }
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
