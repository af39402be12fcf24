import { decryptField, deriveKey, encryptField } from '../../platform/crypto.js';
import { maskContact } from '../identity/index.js';

/**
 * Contact persons. The interested party's phone and e-mail are personal data: stored encrypted
 * (bound to the interest's row), and shown unmasked only to the counter-party of an accepted
 * interest. The achievement's contacts are the catalog's, masked the same way until then.
 */
export interface Contact {
  name: string;
  phone?: string;
  email?: string;
}
interface StoredContact {
  name: string;
  phoneEnc?: string;
  emailEnc?: string;
}

export type ContactKey = Buffer;
export const contactKey = (appSecret: string): ContactKey =>
  deriveKey(Buffer.from(appSecret), 'interest-contacts');

const aad = (interestId: string, field: string) => `interests.contact.${field}:${interestId}`;

export function sealContact(key: ContactKey, interestId: string, c: Contact): StoredContact {
  return {
    name: c.name,
    ...(c.phone ? { phoneEnc: encryptField(key, c.phone, aad(interestId, 'phone')) } : {}),
    ...(c.email ? { emailEnc: encryptField(key, c.email, aad(interestId, 'email')) } : {}),
  };
}

export function openContact(key: ContactKey, interestId: string, stored: unknown): Contact {
  const s = stored as StoredContact;
  return {
    name: s.name,
    ...(s.phoneEnc ? { phone: decryptField(key, s.phoneEnc, aad(interestId, 'phone')) } : {}),
    ...(s.emailEnc ? { email: decryptField(key, s.emailEnc, aad(interestId, 'email')) } : {}),
  };
}

export { maskContact };
