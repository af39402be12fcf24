import { v7 } from 'uuid';

/** Exposed ids are UUIDv7: time-ordered for index locality, not guessable like a sequence. */
export const newId = (): string => v7();

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
