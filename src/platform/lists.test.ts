import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { pgTable, uuid } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase } from './db.js';
import { newId } from './ids.js';
import { pageNewestFirst, partyScope } from './lists.js';
import { createCursorCodec } from './pagination.js';
import type { Principal } from './principal.js';

// A two-party object of our own (like an interest or an order) in a table of this file, on the
// test database: the helpers are run as the modules run them.
const name = `lists_probe_${randomBytes(4).toString('hex')}`;
const probe = pgTable(name, {
  id: uuid('id').primaryKey(),
  senderId: uuid('sender_id').notNull(),
  receiverId: uuid('receiver_id').notNull(),
});
const database = createDatabase(inject('databaseUrl'), { max: 2, applicationName: name });
const codec = createCursorCodec('secret-for-tests-secret-for-tests');

const [a, b, c] = [newId(), newId(), newId()];
// oldest first: a→b, b→a, a→c, c→b
const rows = [
  { id: newId(), senderId: a, receiverId: b },
  { id: newId(), senderId: b, receiverId: a },
  { id: newId(), senderId: a, receiverId: c },
  { id: newId(), senderId: c, receiverId: b },
];

const principal = (organisationId: string | undefined, operator = false): Principal => ({
  kind: 'user',
  id: newId(),
  organisationId,
  orgVerified: true,
  roles: operator ? ['operator'] : [],
  registrarSubCentres: [],
  scopes: new Set(),
});

async function ids(p: Principal, role?: 'sent' | 'received', limit = 100): Promise<string[]> {
  const scope = partyScope(p, role, { sent: probe.senderId, received: probe.receiverId });
  const seen: string[] = [];
  let cursor: string | undefined;
  for (;;) {
    const query = database.db.select().from(probe).$dynamic();
    const page = await pageNewestFirst(codec, name, { cursor, limit }, query, probe.id, scope, (r) => r.id);
    seen.push(...page.items.map((r) => r.id));
    if (!page.nextCursor) return seen;
    cursor = page.nextCursor;
  }
}

const idsOf = (...picked: number[]) => picked.map((i) => rows[i]!.id);

beforeAll(async () => {
  await database.db.execute(
    sql.raw(`CREATE TABLE ${name} (id uuid PRIMARY KEY, sender_id uuid NOT NULL, receiver_id uuid NOT NULL)`),
  );
  await database.db.insert(probe).values(rows);
});

afterAll(async () => {
  await database.db.execute(sql.raw(`DROP TABLE IF EXISTS ${name}`));
  await database.close();
});

describe('two-party lists', () => {
  it('show an organisation the rows of the side it names, or of either side, newest first', async () => {
    expect(await ids(principal(a), 'sent')).toEqual(idsOf(2, 0));
    expect(await ids(principal(a), 'received')).toEqual(idsOf(1));
    expect(await ids(principal(a))).toEqual(idsOf(2, 1, 0));
    expect(await ids(principal(b))).toEqual(idsOf(3, 1, 0));
  });

  it('show an operator acting for no organisation all rows, and nothing to a caller without one', async () => {
    expect(await ids(principal(undefined, true))).toEqual(idsOf(3, 2, 1, 0));
    expect(await ids(principal(undefined, true), 'sent')).toEqual([]);
    expect(await ids(principal(undefined))).toEqual([]);
    // an operator acting for an organisation sees that organisation's rows only
    expect(await ids(principal(c, true))).toEqual(idsOf(3, 2));
  });

  it('walk page by page without skipping or repeating a row', async () => {
    expect(await ids(principal(undefined, true), undefined, 1)).toEqual(idsOf(3, 2, 1, 0));
    expect(await ids(principal(b), undefined, 2)).toEqual(idsOf(3, 1, 0));
  });
});
