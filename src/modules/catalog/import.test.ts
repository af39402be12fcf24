import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganisation } from '../../test/actors.js';
import { useTestContext } from '../../test/app.js';
import type { TestContext } from '../../test/context.js';
import { patentCheckChar } from '../identity/identifiers.js';
import { importAchievements } from './cli.js';
import { parseCsv, previewImport, readSheet } from './import.js';

let ctx: TestContext;
let dir: string;
const fixture = useTestContext();
beforeAll(async () => {
  ({ ctx } = fixture);
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'techex-import-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
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
    // Errors name the spreadsheet's columns, not the item's fields.
    expect(preview[2]!.errors[0]).toMatchObject({ field: '专利号', code: 'patent-check' });
    expect(preview[2]!.errors[0]!.message).toContain('「7」');
    expect(preview[3]!.errors[0]).toMatchObject({ field: '成熟度' });
    expect(preview[4]!.errors.some((e) => e.field === '成果名称')).toBe(true);
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
    const org = await createOrganisation(ctx, { type: 'university' });
    await importAchievements(ctx.database.db, file, { org: org.id, dryRun: true, submit: false });
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

  it('reads an Excel date cell as a date, and names the column of every error', async () => {
    const file = path.join(dir, 'dates.xlsx');
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('成果');
    sheet.addRow([...HEADER, '有效期至']);
    sheet.addRow([...ok(31, 'DATE'), new Date(Date.UTC(2099, 5, 30))]);
    sheet.addRow([...ok(32, 'DATE').map((c, i) => (i === 8 ? '12万' : c)), '2099年7月1日']);
    sheet.addRow([...ok(33, 'DATE'), '2099/7/2']);
    sheet.getColumn(HEADER.length + 1).numFmt = 'yyyy"年"m"月"d"日"';
    await book.xlsx.writeFile(file);
    const { preview, items } = previewImport(await readSheet(file), 'zh-CN');
    expect(preview.map((p) => p.status)).toEqual(['ok', 'invalid', 'ok']);
    expect(items.map((i) => i.validUntil)).toEqual(['2099-06-30', '2099-07-02']);
    expect(preview[1]!.errors).toEqual([expect.objectContaining({ field: '价格（万元）' })]);
    // English headers: errors name them as the sheet does.
    const csv = path.join(dir, 'english.csv');
    await fs.writeFile(
      csv,
      'externalId,title,summary,field,trl,transferModes,dealMethod,priceWan,regionCode\nEN-1,英文表头的成果,简介,03,5,转让,挂牌,abc,320102\n',
    );
    const english = previewImport(await readSheet(csv), 'en').preview[0]!;
    expect(english.errors.map((e) => e.field)).toEqual(['priceWan']);
  });

  it('previews against the database, read only: existing ids, duplicates, and --org checked', async () => {
    const org = await createOrganisation(ctx, { type: 'university' });
    const first = path.join(dir, 'first.csv');
    const csvOf = (table: string[][]) => table.map((r) => r.join(',')).join('\n');
    await fs.writeFile(first, csvOf([HEADER, ok(41, 'DRY'), ok(42, 'DRY')]));
    await importAchievements(ctx.database.db, first, { org: org.id, dryRun: false, submit: false });

    const second = path.join(dir, 'second.csv');
    const changed = ok(41, 'DRY').map((c, i) => (i === 8 ? '99' : c)); // same external id, new price
    const sameTitle = [...ok(43, 'DRY')];
    sameTitle[1] = ok(42, 'DRY')[1]!; // the title of an existing listing
    await fs.writeFile(second, csvOf([HEADER, changed, sameTitle, ok(44, 'DRY')]));
    const before = await ctx.database.pool.query(
      'SELECT count(*)::int AS n, max(updated_at) AS t FROM catalog_listings',
    );
    const { results } = await importAchievements(ctx.database.db, second, {
      org: org.id,
      dryRun: true,
      submit: false,
    });
    expect(results.map((r) => r.status)).toEqual(['updated', 'created', 'created']);
    // The most similar first: the existing listing with the very same title.
    expect(results[1]!.warnings![0]).toMatchObject({ code: 'similar-title', similarity: 1 });
    const after = await ctx.database.pool.query(
      'SELECT count(*)::int AS n, max(updated_at) AS t FROM catalog_listings',
    );
    expect(after.rows[0]).toEqual(before.rows[0]);

    await expect(
      importAchievements(ctx.database.db, second, { org: '91320000MA1XXXXXX0', dryRun: true, submit: false }),
    ).rejects.toThrow(/no organisation/);
    await expect(
      importAchievements(ctx.database.db, second, { dryRun: true, submit: false }),
    ).rejects.toThrow(/--org is required/);
  });

  it('parses quoted CSV fields', () => {
    expect(parseCsv('a,"b,""c""\nd",e\r\n1,2,3')).toEqual([
      ['a', 'b,"c"\nd', 'e'],
      ['1', '2', '3'],
    ]);
  });
});
