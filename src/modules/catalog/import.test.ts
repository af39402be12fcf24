import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation } from '../../test/actors.js';
import { createTestContext, type TestContext } from '../../test/context.js';
import { patentCheckChar } from '../identity/identifiers.js';
import { importAchievements } from './cli.js';
import { parseCsv, previewImport, readSheet } from './import.js';

let ctx: TestContext;
let dir: string;
beforeAll(async () => {
  ctx = await createTestContext();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'techex-import-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
  await ctx.close();
});

const patent = (serial: number) => {
  const body = `20221${String(serial).padStart(7, '0')}`;
  return `${body}.${patentCheckChar(body)}`;
};
const HEADER = [
  '外部编号',
  '成果名称',
  '一句话简介',
  '技术领域',
  '成熟度',
  '专利号',
  '转化方式',
  '交易方式',
  '价格（万元）',
  '地区',
  '联系人',
  '联系电话',
];
const ok = (n: number, tag: string) => [
  `${tag}-${n}`,
  `${tag}一种面向工业互联网的边缘计算网关${n}号`,
  '毫秒级时延的边缘网关',
  '新一代信息技术',
  '7',
  patent(n * 13 + tag.length),
  '转让；普通许可',
  '协议转让',
  '120',
  '320102',
  '王老师',
  '13912345678',
];
const rows = (tag: string) => [
  HEADER,
  ok(1, tag),
  ok(2, tag),
  [
    `${tag}-3`,
    `${tag}坏的专利号`,
    '简介',
    '03',
    '5',
    '201310699744.7',
    '转让',
    '挂牌',
    '50',
    '320102',
    '',
    '',
  ],
  [`${tag}-4`, `${tag}成熟度超范围`, '简介', '03', '12', '', '转让', '挂牌', '面议', '320102', '', ''],
  [`${tag}-5`, '', '缺少标题', '03', '5', '', '转让', '挂牌', '', '320102', '', ''],
  ok(1, tag), // a repeated row: same external id, title and patent as line 2
];

describe('spreadsheet import', () => {
  it('previews a CSV with bad rows: per-row errors and duplicate rows, nothing written', async () => {
    const file = path.join(dir, 'achievements.csv');
    const csv = rows('CSV')
      .map((r) => r.map((c) => (/[",\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(','))
      .join('\r\n');
    await fs.writeFile(file, `\uFEFF${csv}\r\n`);
    const { preview, items } = previewImport(await readSheet(file), 'zh-CN');
    expect(preview.map((p) => p.status)).toEqual(['ok', 'ok', 'invalid', 'invalid', 'invalid', 'invalid']);
    expect(items).toHaveLength(2);
    expect(preview[2]!.errors[0]).toMatchObject({ field: 'ipItems/0/number', code: 'patent-check' });
    expect(preview[2]!.errors[0]!.message).toContain('「7」');
    expect(preview[3]!.errors[0]).toMatchObject({ field: 'trl' });
    expect(preview[4]!.errors.some((e) => e.field === 'title')).toBe(true);
    expect(preview[5]!.errors.map((e) => e.code)).toEqual([
      'duplicate-row',
      'duplicate-row',
      'duplicate-row',
    ]);
    expect(preview[5]!.errors[0]!.message).toContain('第 2 行');
    expect(items[0]).toMatchObject({
      priceFen: 120_000_000,
      field: '01',
      transferModes: ['transfer', 'license_nonexclusive'],
    });

    const before = await ctx.database.pool.query('SELECT count(*)::int AS n FROM catalog_listings');
    await importAchievements(ctx.database.db, file, { dryRun: true, submit: false });
    const after = await ctx.database.pool.query('SELECT count(*)::int AS n FROM catalog_listings');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('imports an XLSX as drafts (never published), the same validation applying', async () => {
    const file = path.join(dir, 'achievements.xlsx');
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('成果');
    for (const r of rows('XLSX')) sheet.addRow(r);
    await book.xlsx.writeFile(file);
    const { preview } = previewImport(await readSheet(file), 'zh-CN');
    expect(preview.map((p) => p.status)).toEqual(['ok', 'ok', 'invalid', 'invalid', 'invalid', 'invalid']);

    const org = await createOrganisation(ctx, { type: 'university' });
    const { results } = await importAchievements(ctx.database.db, file, {
      org: org.id,
      dryRun: false,
      submit: false,
    });
    expect(results.map((r) => r.status)).toEqual(['created', 'created']);
    const { rows: saved } = await ctx.database.pool.query(
      'SELECT status FROM catalog_listings WHERE organisation_id = $1',
      [org.id],
    );
    expect(saved.map((r) => r.status)).toEqual(['draft', 'draft']);
    // Re-importing the same file changes nothing.
    const again = await importAchievements(ctx.database.db, file, {
      org: org.id,
      dryRun: false,
      submit: false,
    });
    expect(again.results.map((r) => r.status)).toEqual(['unchanged', 'unchanged']);
  });

  it('parses quoted CSV fields', () => {
    expect(parseCsv('a,"b,""c""\nd",e\r\n1,2,3')).toEqual([
      ['a', 'b,"c"\nd', 'e'],
      ['1', '2', '3'],
    ]);
  });
});
