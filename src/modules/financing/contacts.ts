import { decryptField, deriveKey, encryptField } from '../../platform/crypto.js';
import { maskContact } from '../identity/index.js';

/** Contact persons of investment interests: phone and e-mail encrypted, bound to the row and side. */
export interface Contact {
  name: string;
  phone?: string;
  email?: string;
}
interface Stored {
  name: string;
  phoneEnc?: string;
  emailEnc?: string;
}
export type ContactKey = Buffer;
export const contactKey = (appSecret: string): ContactKey =>
  deriveKey(Buffer.from(appSecret), 'investment-interest-contacts');

const aad = (id: string, side: string, field: string) => `investment_interests.${side}.${field}:${id}`;

export function sealContact(key: ContactKey, id: string, side: 'investor' | 'owner', c: Contact): Stored {
  return {
    name: c.name,
    ...(c.phone ? { phoneEnc: encryptField(key, c.phone, aad(id, side, 'phone')) } : {}),
    ...(c.email ? { emailEnc: encryptField(key, c.email, aad(id, side, 'email')) } : {}),
  };
}

export function openContact(
  key: ContactKey,
  id: string,
  side: 'investor' | 'owner',
  stored: unknown,
): Contact {
  const s = stored as Stored;
  return {
    name: s.name,
    ...(s.phoneEnc ? { phone: decryptField(key, s.phoneEnc, aad(id, side, 'phone')) } : {}),
    ...(s.emailEnc ? { email: decryptField(key, s.emailEnc, aad(id, side, 'email')) } : {}),
  };
}

export { maskContact };
