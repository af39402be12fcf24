import { decryptField, deriveKey, encryptField, keyedHash } from '../../platform/crypto.js';
import { maskPhone, maskResidentId, normalizeIdentifier } from './identifiers.js';

/**
 * Personal data at rest (PIPL): a keyed hash for uniqueness and look-up, and the value
 * encrypted with its row and column as associated data so a ciphertext cannot be moved to
 * another row. Values leave the service only masked.
 */
export function personalDataKey(appSecret: string): Buffer {
  return deriveKey(Buffer.from(appSecret), 'personal-data');
}

/** Mainland mobile numbers: 11 digits starting with 1, an optional +86/86 prefix dropped. */
export function normaliseMobile(input: string): string | undefined {
  const compact = normalizeIdentifier(input).replace(/[\s\-()]/g, '');
  const m = /^(?:\+?86)?(1[3-9]\d{9})$/.exec(compact);
  return m?.[1];
}

export interface Protected {
  hash: string;
  enc: string;
}

export function protect(key: Buffer, kind: 'mobile' | 'resident_id', value: string, aad: string): Protected {
  return { hash: keyedHash(key, `${kind}:${value}`), enc: encryptField(key, value, aad) };
}

export function lookupHash(key: Buffer, kind: 'mobile' | 'resident_id', value: string): string {
  return keyedHash(key, `${kind}:${value}`);
}

export const aad = {
  userMobile: (userId: string) => `users.mobile:${userId}`,
  userResidentId: (userId: string) => `users.resident_id:${userId}`,
  applicationResidentId: (id: string) => `real_name_applications.resident_id:${id}`,
  applicationLegalName: (id: string) => `real_name_applications.legal_name:${id}`,
};

export function encrypt(key: Buffer, value: string, context: string): string {
  return encryptField(key, value, context);
}

export function decrypt(key: Buffer, token: string, context: string): string {
  return decryptField(key, token, context);
}

export function maskedMobile(key: Buffer, enc: string | null, userId: string): string | null {
  return enc ? maskPhone(decryptField(key, enc, aad.userMobile(userId))) : null;
}

export function maskedResidentId(key: Buffer, enc: string | null, context: string): string | null {
  return enc ? maskResidentId(decryptField(key, enc, context)) : null;
}
