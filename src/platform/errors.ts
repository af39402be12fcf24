/**
 * One class per error category (STYLE.md). Each carries a stable problem `code` that becomes
 * the RFC 9457 `type` URI (`/problems/<code>`), and a message key looked up in the catalogue
 * (zh-CN, English fallback) by the HTTP error handler.
 */
export interface FieldError {
  /** JSON pointer-ish location, e.g. `body/title` or `query/limit`. */
  field: string;
  message: string;
  code?: string;
}

export type MessageParams = Record<string, string | number>;

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly params: MessageParams = {},
    readonly errors?: FieldError[],
    /** Extra members for the problem document (must not leak anything private). */
    readonly extensions?: Record<string, unknown>,
  ) {
    super(code);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(errors: FieldError[], code = 'validation-failed', params: MessageParams = {}) {
    super(400, code, params, errors);
  }
}

export class BadRequestError extends AppError {
  constructor(code = 'bad-request', params: MessageParams = {}) {
    super(400, code, params);
  }
}

export class UnauthorizedError extends AppError {
  constructor(code = 'unauthorized', params: MessageParams = {}) {
    super(401, code, params);
  }
}

export class ForbiddenError extends AppError {
  constructor(code = 'forbidden', params: MessageParams = {}) {
    super(403, code, params);
  }
}

export class NotFoundError extends AppError {
  constructor(code = 'not-found', params: MessageParams = {}) {
    super(404, code, params);
  }
}

export class ConflictError extends AppError {
  constructor(code = 'conflict', params: MessageParams = {}, extensions?: Record<string, unknown>) {
    super(409, code, params, undefined, extensions);
  }
}

/** A lifecycle transition that the current state does not allow. */
export class InvalidTransitionError extends ConflictError {
  /** `allowedActions`, when given, tells the client what the current state does allow. */
  constructor(from: string, action: string, allowedActions?: readonly string[]) {
    super(
      'invalid-transition',
      { from, action },
      { currentState: from, action, ...(allowedActions ? { allowedActions: [...allowedActions] } : {}) },
    );
  }
}

export class UnprocessableError extends AppError {
  constructor(code = 'unprocessable', params: MessageParams = {}, errors?: FieldError[]) {
    super(422, code, params, errors);
  }
}

export class TooManyRequestsError extends AppError {
  constructor(retryAfterSeconds: number) {
    super(429, 'rate-limited', { seconds: retryAfterSeconds }, undefined, { retryAfter: retryAfterSeconds });
  }
}

export class ServiceUnavailableError extends AppError {
  /** `retryAfterSeconds`, when given, is sent as Retry-After (and the problem's `retryAfter`). */
  constructor(code = 'unavailable', params: MessageParams = {}, retryAfterSeconds?: number) {
    super(
      503,
      code,
      params,
      undefined,
      retryAfterSeconds === undefined ? undefined : { retryAfter: retryAfterSeconds },
    );
  }
}
