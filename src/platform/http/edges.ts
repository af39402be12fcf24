import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ValidationError } from '../errors.js';
import { newId } from '../ids.js';
import { message } from '../messages.js';
import { PROBLEM_CONTENT_TYPE } from './problem.js';
import { apiSecurityHeaders } from './security-headers.js';

/**
 * What the HTTP edge refuses before any route sees the request: ill-formed text in JSON bodies,
 * methods a known path does not have (405 with `Allow`), and the connection-level refusals Node
 * answers by itself (431 over-long headers, 408 slow requests), which become problem documents
 * with the same security headers as every other answer.
 */

// A lone UTF-16 surrogate can only reach a parsed body through a `\uD800`–`\uDFFF` escape (raw
// bytes are decoded as UTF-8, which has no surrogates), so bodies without one skip the walk.
const SURROGATE_ESCAPE_RE = /\\u[dD][89a-fA-F]/;
const LONE_SURROGATE_RE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function mayHoldLoneSurrogate(rawJson: string): boolean {
  return SURROGATE_ESCAPE_RE.test(rawJson);
}

/** JSON pointers (as `body/a/0/b`) of every string, key included, that is not well-formed UTF-16. */
export function illFormedTextFields(value: unknown, root = 'body', max = 20): string[] {
  const found: string[] = [];
  // Iterative: a deeply nested body must not overflow the stack.
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length && found.length < max) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (LONE_SURROGATE_RE.test(v)) found.push(path);
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}/${i}`]);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        const key = k.replace(/~/g, '~0').replace(/\//g, '~1');
        if (LONE_SURROGATE_RE.test(k)) found.push(`${path}/${key.replace(LONE_SURROGATE_RE, '\uFFFD')}`);
        stack.push([child, `${path}/${key}`]);
      }
    }
  }
  return found.map((f) => f.replace(new RegExp(LONE_SURROGATE_RE, 'g'), '\uFFFD'));
}

export function illFormedTextError(fields: string[]): ValidationError {
  return new ValidationError(
    fields.map((field) => ({
      field,
      code: 'ill-formed-text',
      message: 'contains a lone UTF-16 surrogate (not valid Unicode text)',
    })),
    'ill-formed-text',
  );
}

class RequestTimeoutError extends AppError {
  readonly statusCode = 408;
  constructor() {
    super(408, 'request-timeout');
  }
}

/**
 * A body must arrive within `ms` of the request: a body trickled slowly is answered 408 and its
 * connection closed, instead of holding the connection open indefinitely. (Node's own request
 * timeout covers the headers; it does not end a request whose body is still trickling in.)
 */
export function bodyDeadline(ms: number) {
  return (
    req: FastifyRequest,
    reply: FastifyReply,
    payload: Readable,
    done: (err: null, p: Readable) => void,
  ) => {
    // A request with neither Content-Length nor Transfer-Encoding has no body (RFC 9112 §6.3);
    // its message may not be marked complete yet when the hooks run synchronously, so ask the
    // headers rather than arm a timer for every GET.
    const { headers } = req;
    if (
      req.raw.complete ||
      (headers['content-length'] === undefined && headers['transfer-encoding'] === undefined)
    )
      return done(null, payload);
    const timer = setTimeout(() => {
      if (req.raw.complete || reply.sent) return;
      reply.header('connection', 'close');
      payload.emit('error', new RequestTimeoutError());
    }, ms);
    timer.unref();
    const clear = () => clearTimeout(timer);
    payload.once('end', clear);
    payload.once('close', clear);
    reply.raw.once('close', clear);
    done(null, payload);
  };
}

export class MethodNotAllowedError extends AppError {
  constructor(method: string, allow: string[]) {
    super(405, 'method-not-allowed', { method }, undefined, { allow });
  }
}

/** The methods each known path answers, matched like the router does (`:param`, `*`). */
export function methodsByPath(app: FastifyInstance) {
  let compiled: { re: RegExp; method: string }[] = [];
  let compiledFrom = -1;
  const compile = () => {
    if (compiledFrom === app.routeTable.length) return;
    compiledFrom = app.routeTable.length;
    compiled = app.routeTable
      // A catch-all (CORS preflight `OPTIONS *`) says nothing about which paths exist.
      .filter((r) => r.url !== '*' && r.url !== '/*')
      .map((r) => {
        const pattern = r.url
          .split('/')
          .map((seg) =>
            seg === '*'
              ? '.*'
              : seg.startsWith(':')
                ? '[^/]+'
                : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\\*$/, '.*'),
          )
          .join('/');
        return { re: new RegExp(`^${pattern}/?$`), method: r.method };
      });
  };
  return (path: string): string[] => {
    compile();
    const methods = new Set<string>();
    for (const c of compiled) if (c.re.test(path)) methods.add(c.method);
    return [...methods].sort();
  };
}

/** A problem document written straight to a socket (Node refused the request before routing). */
export function clientErrorHandler(log: () => FastifyBaseLogger) {
  const headers = apiSecurityHeaders();
  return (err: NodeJS.ErrnoException & { bytesParsed?: number }, socket: Socket) => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, code] =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request-timeout']
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? [431, 'header-fields-too-large']
          : err.code === 'HPE_URI_TOO_LONG'
            ? [414, 'uri-too-long']
            : [400, 'bad-request'];
    const requestId = newId();
    const m = message(code, 'zh-CN', {});
    const body = JSON.stringify({
      type: `/problems/${code}`,
      title: m.title,
      status,
      ...(m.detail ? { detail: m.detail } : {}),
      requestId,
    });
    log().info({ code: err.code, status }, 'client error');
    if (socket.writable) {
      const lines = [
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
        `content-type: ${PROBLEM_CONTENT_TYPE}`,
        'content-language: zh-CN',
        `content-length: ${Buffer.byteLength(body)}`,
        `x-request-id: ${requestId}`,
        'cache-control: no-store',
        'connection: close',
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      ];
      socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
    }
    socket.destroy(err);
  };
}

/** A frameworkErrors answer (before onRequest hooks): give it the headers every answer has. */
export function edgeHeaders(req: FastifyRequest): Record<string, string> {
  return { ...apiSecurityHeaders(), 'x-request-id': req.id };
}
