import { createHash } from 'node:crypto';

/** SHA-256 of a text, as lowercase hex (document hashes, fingerprints in fixtures). */
export const sha256hex = (s: string): string => createHash('sha256').update(s).digest('hex');
