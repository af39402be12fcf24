// The duplicate check of an application (duplicates.ts) is answered by indexes, not by a scan of
// every contract: the document-hash half by technology_contracts_document_idx, the content half
// (same parties, type, subtype, project and amounts) by technology_contracts_duplicate_idx
// (migration 0036). The statements are the ones the code sends (recorded as the pg driver sends
// them), planned with sequential scans disabled, so the plan says whether an index can answer
// them at all, whatever the table's size and statistics.
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestContext } from '../../test/context.js';
import { useContractApp } from '../../test/fixtures/contract-app.js';
import { application, type Point } from '../../test/fixtures/contracts.js';
import { sha256hex } from '../../test/hashes.js';

const fixture = useContractApp();
const { as } = fixture;
let ctx: TestContext;
let point: Point;

beforeAll(() => {
  ({ ctx, point } = fixture);
});

interface Sent {
  text: string;
  values: unknown[];
}

/** The statements `act` sends whose text contains `marker` (every pg client of this process). */
async function recording(marker: string, act: () => Promise<void>): Promise<Sent[]> {
  const sent: Sent[] = [];
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: Parameters<typeof query>) {
    const q = args[0] as { text?: string; values?: unknown[] } | string;
    const text = typeof q === 'string' ? q : q?.text;
    if (text?.includes(marker))
      sent.push({ text, values: (typeof q === 'string' ? args[1] : q.values) as unknown[] });
    return Reflect.apply(query, this, args);
  } as typeof query;
  try {
    await act();
  } finally {
    pg.Client.prototype.query = query;
  }
  return sent;
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Plans?: PlanNode[];
}

const nodesOf = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodesOf)];

/** The plan of `s` with sequential scans disabled: with `generic`, the plan for any values. */
async function planOf(s: Sent, generic = false): Promise<PlanNode[]> {
  const client = await ctx.database.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL enable_seqscan = off');
    const res = generic
      ? await client.query(`EXPLAIN (GENERIC_PLAN, FORMAT JSON) ${s.text}`)
      : await client.query(`EXPLAIN (FORMAT JSON) ${s.text}`, s.values);
    return nodesOf((res.rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan);
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

/** The scans of technology_contracts in `nodes` (the insert's own node left out). */
const contractScans = (nodes: PlanNode[]) =>
  nodes.filter(
    (n) =>
      n['Node Type'] !== 'ModifyTable' &&
      (n['Relation Name'] === 'technology_contracts' || n['Index Name']?.startsWith('technology_contracts_')),
  );

function expectIndexed(nodes: PlanNode[]) {
  const scans = contractScans(nodes);
  expect(scans.map((n) => n['Node Type'])).not.toContain('Seq Scan');
  const indexScans = scans.filter((n) => n['Index Name']);
  // Each half by its index, looked up (an index condition), not read from end to end.
  expect(new Set(indexScans.map((n) => n['Index Name']))).toEqual(
    new Set(['technology_contracts_document_idx', 'technology_contracts_duplicate_idx']),
  );
  for (const n of indexScans) expect(n['Index Cond'], n['Index Name']).toBeTruthy();
  const content = indexScans.find((n) => n['Index Name'] === 'technology_contracts_duplicate_idx')!;
  const columns = ['seller', 'buyer', 'contract_value_fen', 'non_technical_costs_fen', 'type', 'subtype'];
  for (const column of columns) expect(content['Index Cond']).toContain(column);
}

const serverVersion = async () =>
  Number((await ctx.database.pool.query('SHOW server_version_num')).rows[0].server_version_num);

describe('the duplicate check uses its indexes', () => {
  it("an application's check (in the statement that inserts it) and an update's", async () => {
    const first = application(point, { projectName: `索引检查 ${ctx.tag}` });
    let id = '';
    const created = await recording('FROM technology_contracts', async () => {
      const res = await as(point.applicant, 'POST', '/v1/contracts', first);
      expect(res.statusCode, res.body).toBe(201);
      id = res.json().id;
    });
    const insert = created.filter((s) => s.text.includes('INSERT INTO technology_contracts'));
    expect(insert).toHaveLength(1);

    // An update to a foreign buyer: the other form of a party's key (country and name).
    const updated = await recording('FROM technology_contracts', async () => {
      const res = await as(point.applicant, 'PUT', `/v1/contracts/${id}`, {
        ...first,
        buyer: { name: 'Example Labs GmbH', countryCode: 'DE' },
        documentSha256: sha256hex(`index check update ${ctx.tag}`),
      });
      expect(res.statusCode, res.body).toBe(200);
    });
    const check = updated.filter((s) => s.text.includes('document_sha256 = $'));
    expect(check).toHaveLength(1);

    for (const s of [insert[0]!, check[0]!]) {
      expectIndexed(await planOf(s));
      // A named prepared statement may run a generic plan (the same for any values).
      if ((await serverVersion()) >= 160000) expectIndexed(await planOf(s, true));
    }
  });
});
