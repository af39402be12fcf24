import { ValidationError } from './errors.js';

/**
 * The structured reason a lifecycle step requires (declining an interest, cancelling an order):
 * `{ code, text? }`, where the code `other` needs a text. Returns it, or throws the 400 naming
 * the missing field.
 */
export function requireReason<R extends { code: string; text?: string }>(reason: R | undefined): R {
  if (!reason)
    throw new ValidationError([{ field: 'body/reason', code: 'required', message: 'a reason is required' }]);
  if (reason.code === 'other' && !reason.text?.trim())
    throw new ValidationError([
      { field: 'body/reason/text', code: 'required', message: 'explain an "other" reason' },
    ]);
  return reason;
}
