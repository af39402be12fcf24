import { decryptField, deriveKey, encryptField } from '../../platform/crypto.js';

/** A manager's phone and e-mail, encrypted and bound to the row (like interest contacts). */
export type ManagerKey = Buffer;
export const managerKey = (appSecret: string): ManagerKey =>
  deriveKey(Buffer.from(appSecret), 'technology-manager-contacts');

const aad = (id: string, field: string) => `technology_managers.${field}:${id}`;

export const sealField = (key: ManagerKey, id: string, field: 'phone' | 'email', v?: string | null) =>
  v ? encryptField(key, v, aad(id, field)) : null;

export const openField = (key: ManagerKey, id: string, field: 'phone' | 'email', v: string | null) =>
  v ? decryptField(key, v, aad(id, field)) : undefined;

/** 'JSTM20242000123' → 'JSTM2024*****23': enough to recognise, not to copy. */
export const maskCertificateNo = (no: string) =>
  no.length > 10 ? `${no.slice(0, 8)}${'*'.repeat(no.length - 10)}${no.slice(-2)}` : '****';
