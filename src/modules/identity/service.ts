import type { Db } from '../../platform/db.js';
import { type FieldError, ValidationError } from '../../platform/errors.js';
import type { Lang } from '../../platform/messages.js';
import type { CursorCodec } from '../../platform/pagination.js';
import type { Principal } from '../../platform/principal.js';
import type { IdentifierError } from './identifiers.js';
import { personalDataKey } from './personal-data.js';

/** What the identity services need, wired once from the module context. */
export interface IdentityDeps {
  db: Db;
  cursors: CursorCodec;
  /** Key for keyed hashes and encryption of personal data (mobile, resident ID, legal name). */
  personalKey: Buffer;
}

export function identityDeps(ctx: {
  database: { db: Db };
  cursors: CursorCodec;
  secrets: { appSecret: string };
}) {
  return {
    db: ctx.database.db,
    cursors: ctx.cursors,
    personalKey: personalDataKey(ctx.secrets.appSecret),
  } satisfies IdentityDeps;
}

/** Who asks, for authorisation, the audit trail and the language of field errors. */
export interface Caller {
  principal?: Principal;
  requestId?: string;
  lang: Lang;
}

const REASON_TEXT: Record<string, Record<Lang, string>> = {
  length: { 'zh-CN': '长度应为 18 位', en: 'must be 18 characters long' },
  character: {
    'zh-CN': '第 {position} 位字符「{character}」不允许',
    en: 'character {position} "{character}" is not allowed',
  },
  region: {
    'zh-CN': '第 {position} 位起的行政区划代码「{character}」不正确',
    en: 'the region code at character {position} ("{character}") is not valid',
  },
  check: {
    'zh-CN': '第 {position} 位校验字符「{character}」不正确，应为「{expected}」',
    en: 'check character {position} "{character}" is wrong; it should be "{expected}"',
  },
  birthdate: {
    'zh-CN': '第 {position} 位起的出生日期不正确（「{character}」）',
    en: 'the birth date at character {position} ("{character}") is not valid',
  },
};

/**
 * A 400 whose field error names the offending position and character (DOMAIN.md: show the
 * offending character), in the caller's language, with the details as machine-readable members.
 */
export function identifierError(field: string, code: string, e: IdentifierError<string>, lang: Lang) {
  const template = REASON_TEXT[e.reason]?.[lang] ?? e.reason;
  const message = template
    .replace('{position}', String(e.position ?? ''))
    .replace('{character}', e.character ?? '')
    .replace('{expected}', e.expected ?? '');
  const fieldError: FieldError & Record<string, unknown> = {
    field,
    message,
    code: `${code}-${e.reason}`,
    ...(e.position !== undefined ? { position: e.position, character: e.character } : {}),
    ...(e.expected !== undefined ? { expected: e.expected } : {}),
  };
  return new ValidationError([fieldError]);
}

export function fieldError(field: string, code: string, message: Record<Lang, string>, lang: Lang) {
  return new ValidationError([{ field, code, message: message[lang] }]);
}

/** `%` and `_` in a user's search text are literal characters, not wildcards. */
export function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
