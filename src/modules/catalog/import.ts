import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { FieldError } from '../../platform/errors.js';
import type { Lang } from '../../platform/messages.js';
import { validateListing } from './model.js';

/**
 * Spreadsheet import of achievements (universities keep their lists in spreadsheets): a CSV or
 * XLSX with one header row, Chinese or English column names. Rows go through the same
 * validation as the batch endpoint; nothing is published (rows become drafts).
 */
const COLUMNS: Record<string, string> = {
  外部编号: 'externalId',
  编号: 'externalId',
  externalid: 'externalId',
  成果名称: 'title',
  标题: 'title',
  title: 'title',
  一句话简介: 'summary',
  简介: 'summary',
  summary: 'summary',
  详细介绍: 'description',
  成果简介: 'description',
  description: 'description',
  技术指标: 'indicators',
  关键技术指标: 'indicators',
  indicators: 'indicators',
  关键词: 'keywords',
  keywords: 'keywords',
  领域: 'field',
  技术领域: 'field',
  field: 'field',
  成熟度: 'trl',
  trl: 'trl',
  专利号: 'patents',
  知识产权: 'patents',
  patents: 'patents',
  转化方式: 'transferModes',
  transfermodes: 'transferModes',
  交易方式: 'dealMethod',
  dealmethod: 'dealMethod',
  '价格（万元）': 'priceWan',
  '价格(万元)': 'priceWan',
  价格: 'priceWan',
  pricewan: 'priceWan',
  地区: 'regionCode',
  行政区划代码: 'regionCode',
  regioncode: 'regionCode',
  团队: 'team',
  团队成员: 'team',
  team: 'team',
  联系人: 'contactName',
  contactname: 'contactName',
  联系电话: 'contactPhone',
  contactphone: 'contactPhone',
  联系邮箱: 'contactEmail',
  contactemail: 'contactEmail',
  有效期至: 'validUntil',
  validuntil: 'validUntil',
};
// biome-ignore format: a lookup table
const FIELD_NAMES: Record<string, string> = {
  新一代信息技术: '01', 高端装备制造: '02', 新材料: '03', 生物: '04', 新能源汽车: '05',
  新能源: '06', 节能环保: '07', 数字创意: '08', 相关服务业: '09',
};
// biome-ignore format: a lookup table
const MODE_NAMES: Record<string, string> = {
  转让: 'transfer', 独占许可: 'license_exclusive', 排他许可: 'license_sole', 普通许可: 'license_nonexclusive',
  许可: 'license_nonexclusive', 作价投资: 'equity', 合作开发: 'co_development', 先用后转: 'use_first', 先研后付: 'research_first',
};
// biome-ignore format: a lookup table
const DEAL_NAMES: Record<string, string> = { 协议转让: 'negotiated', 挂牌: 'listed', 拍卖: 'auction', 招标: 'tender', 竞价: 'bidding' };
const PATENT_KIND: Record<string, string> = {
  '1': 'invention_patent',
  '2': 'utility_model',
  '3': 'design_patent',
};

/** The README's column names, used in messages when the sheet's own header is not known. */
// biome-ignore format: a lookup table
const COLUMN_NAMES: Record<string, string> = {
  externalId: '外部编号', title: '成果名称', summary: '一句话简介', description: '详细介绍',
  indicators: '技术指标', keywords: '关键词', field: '技术领域', trl: '成熟度', patents: '专利号',
  transferModes: '转化方式', dealMethod: '交易方式', priceWan: '价格（万元）', regionCode: '地区',
  team: '团队', contactName: '联系人', contactPhone: '联系电话', contactEmail: '联系邮箱',
  validUntil: '有效期至',
};

export type SheetRow = Record<string, string>;
export interface Sheet {
  rows: SheetRow[];
  /** Row key → the column's header as the sheet writes it (errors name columns, not fields). */
  columns: Record<string, string>;
}

/** The spreadsheet column an error of the validated item's `field` (a path) is about. */
export function columnOf(field: string, columns: Record<string, string> = {}): string {
  const [first = '', , leaf] = field.split('/');
  const key =
    first === 'ipItems'
      ? 'patents'
      : first === 'priceFen'
        ? 'priceWan'
        : first === 'contacts'
          ? leaf === 'phone'
            ? 'contactPhone'
            : leaf === 'email'
              ? 'contactEmail'
              : 'contactName'
          : first;
  return columns[key] ?? COLUMN_NAMES[key] ?? field;
}

export async function readSheet(file: string): Promise<Sheet> {
  const ext = path.extname(file).toLowerCase();
  let table: string[][];
  if (ext === '.csv') table = parseCsv((await fs.readFile(file, 'utf8')).replace(/^\uFEFF/, ''));
  else if (ext === '.xlsx') table = await readXlsx(file);
  else throw new Error(`unsupported file type ${ext || '(none)'}: use .csv or .xlsx`);
  const [header = [], ...rows] = table;
  const keys = header.map((h) => COLUMNS[h.trim().toLowerCase()] ?? COLUMNS[h.trim()] ?? h.trim());
  return {
    rows: rows
      .filter((r) => r.some((c) => c.trim() !== ''))
      .map((r) => Object.fromEntries(keys.map((k, i) => [k, (r[i] ?? '').trim()]))),
    columns: Object.fromEntries(keys.map((k, i) => [k, header[i]!.trim()])),
  };
}

async function readXlsx(file: string): Promise<string[][]> {
  const { default: ExcelJS } = await import('exceljs');
  const book = new ExcelJS.Workbook();
  await book.xlsx.readFile(file);
  const sheet = book.worksheets[0];
  const out: string[][] = [];
  sheet?.eachRow({ includeEmpty: false }, (row) => {
    const cells: string[] = [];
    row.eachCell({ includeEmpty: true }, (cell, col) => {
      // A date cell is a date whatever its display format (2027/6/30, 30-Jun-27 …); Excel dates
      // have no time zone, and exceljs gives them as UTC midnight.
      const value = (cell.value as { result?: unknown } | null)?.result ?? cell.value;
      cells[col - 1] = value instanceof Date ? value.toISOString().slice(0, 10) : (cell.text ?? '');
    });
    out.push(Array.from(cells, (c) => c ?? ''));
  });
  return out;
}

/** RFC 4180: quoted fields, doubled quotes, newlines inside quotes. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const endCell = () => {
    row.push(cell);
    cell = '';
  };
  const endRow = () => {
    endCell();
    rows.push(row);
    row = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') endCell();
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
    } else cell += c;
  }
  if (cell !== '' || row.length) endRow();
  return rows;
}

const split = (v: string | undefined) =>
  v
    ? v
        .split(/[;；|、\n]+/)
        .map((s) => s.trim())
        .filter(Boolean)
    : [];
const mapped = (v: string, table: Record<string, string>) => table[v] ?? v;

/** One spreadsheet row as a batch item (before validation). */
export function rowToAchievement(r: SheetRow): Record<string, unknown> {
  const out: Record<string, unknown> = {
    externalId:
      r.externalId ||
      `SHEET-${createHash('sha256')
        .update(r.title ?? '')
        .digest('hex')
        .slice(0, 16)}`,
    title: r.title,
    summary: r.summary,
    description: r.description ?? '',
    indicators: split(r.indicators),
    keywords: split(r.keywords),
    field: FIELD_NAMES[r.field ?? ''] ?? (r.field?.length === 1 ? `0${r.field}` : r.field),
    trl: /^\d+$/.test(r.trl ?? '') ? Number(r.trl) : r.trl,
    ipItems: split(r.patents).map((number) => {
      const digits = number.replace(/^(CN|ZL)/i, '');
      return {
        kind: PATENT_KIND[digits.length > 10 ? digits[4]! : digits[2]!] ?? 'invention_patent',
        number,
        title: r.title ?? '',
      };
    }),
    transferModes: split(r.transferModes).map((m) => mapped(m, MODE_NAMES)),
    dealMethod: mapped(r.dealMethod || '协议转让', DEAL_NAMES),
    priceFen: priceFen(r.priceWan),
    regionCode: r.regionCode,
    team: split(r.team),
    contacts: r.contactName
      ? [
          {
            name: r.contactName,
            ...(r.contactPhone ? { phone: r.contactPhone } : {}),
            ...(r.contactEmail ? { email: r.contactEmail } : {}),
          },
        ]
      : [],
  };
  if (r.validUntil) out.validUntil = isoDate(r.validUntil);
  return out;
}

/** 2027-06-30, 2027/6/30, 2027.6.30 or 2027年6月30日 → 2027-06-30; anything else stays for the validator. */
function isoDate(v: string): string {
  const m = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$/.exec(v);
  return m ? `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}` : v;
}

/** 万元 with up to 6 decimals → fen; empty or 面议 → null (negotiable); anything else stays for the validator. */
function priceFen(v: string | undefined): unknown {
  if (!v || v === '面议') return null;
  return /^\d+(\.\d{1,6})?$/.test(v) ? Math.round(Number(v) * 1_000_000) : v;
}

export interface PreviewRow {
  /** Line in the spreadsheet (the header is line 1). */
  line: number;
  externalId: string;
  title: string;
  status: 'ok' | 'invalid';
  errors: FieldError[];
}

/**
 * Validate every row and detect duplicate rows (same external id, title or patent number).
 * Errors name the spreadsheet's column (价格（万元）), not the item's field (priceFen).
 */
export function previewImport(
  sheet: Sheet | SheetRow[],
  lang: Lang,
): { preview: PreviewRow[]; items: Record<string, unknown>[] } {
  const { rows, columns } = Array.isArray(sheet) ? { rows: sheet, columns: {} } : sheet;
  const firstSeen = new Map<string, number>();
  const preview: PreviewRow[] = [];
  const items: Record<string, unknown>[] = [];
  rows.forEach((r, k) => {
    const line = k + 2;
    const item = rowToAchievement(r);
    const v = validateListing('achievement', item, lang);
    const errors = v.ok ? [] : v.errors.map((e) => ({ ...e, field: columnOf(e.field, columns) }));
    const keys: [string, string][] = [
      [columnOf('externalId', columns), `id:${item.externalId}`],
      [columnOf('title', columns), `title:${String(item.title ?? '').replace(/\s+/g, '')}`],
      ...(v.ok
        ? v.value.ipItems.flatMap((i) =>
            i.number ? [[columnOf('ipItems', columns), `patent:${i.number}`] as [string, string]] : [],
          )
        : []),
    ];
    for (const [field, key] of keys) {
      const earlier = firstSeen.get(key);
      if (earlier !== undefined)
        errors.push({
          field,
          code: 'duplicate-row',
          message: lang === 'en' ? `same as line ${earlier}` : `与第 ${earlier} 行重复`,
        });
      else firstSeen.set(key, line);
    }
    preview.push({
      line,
      externalId: String(item.externalId),
      title: String(item.title ?? ''),
      status: errors.length ? 'invalid' : 'ok',
      errors,
    });
    if (!errors.length) items.push(v.ok ? { ...item, ipItems: v.value.ipItems } : item);
  });
  return { preview, items };
}
