/**
 * The shared judged set (`/work/shared/testdata/matching-dev/`, or MATCH_SHARED_DIR), written
 * outside the team, converted to the devset's shape so the bench loads and scores both the same
 * way. Only read here to measure: nothing in the ranking is chosen from it (its README).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FIELDS } from '../../src/modules/catalog/demo/templates/fields.js';
import type { TransferMode } from '../../src/modules/catalog/demo/templates/model.js';
import { JIANGSU_CITIES } from '../../src/modules/catalog/demo/templates/regions.js';
import type { Devset, Grade } from '../data/match-devset/index.js';

export const SHARED_DIR = process.env.MATCH_SHARED_DIR ?? '/work/shared/testdata/matching-dev';

const MODES: Record<string, TransferMode> = {
  转让: 'transfer',
  许可: 'license_nonexclusive',
  合作开发: 'co_development',
  作价投资: 'equity',
  先用后转: 'use_first',
};

const WAN = 1_000_000; // fen per 万元

function fieldCode(name: string) {
  const field = FIELDS.find((f) => f.name === name);
  if (!field) throw new Error(`shared set: unknown field ${name}`);
  return field.code;
}

function cityCode(name: string): string {
  const city = JIANGSU_CITIES.find((c) => name.replace(/市$/, '') === c.name);
  if (!city) throw new Error(`shared set: unknown city ${name}`);
  return city.code;
}

const jsonl = (file: string) =>
  readFileSync(path.join(SHARED_DIR, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    // biome-ignore lint/suspicious/noExplicitAny: JSON lines of the shape its README gives
    .map((l) => JSON.parse(l) as Record<string, any>);

/** The shared set as a devset (ids prefixed 'S-'), or undefined when it is not there. */
export function loadSharedSet(): Devset | undefined {
  if (!existsSync(path.join(SHARED_DIR, 'qrels.tsv'))) return undefined;
  const achievements = jsonl('achievements.jsonl').map((a) => ({
    externalId: `S-${a.key}`,
    title: a.title,
    summary: a.summary,
    description: '',
    keywords: a.keywords,
    field: fieldCode(a.field),
    trl: a.trl,
    transferModes: (a.transferModes as string[]).map((m) => MODES[m]!),
    priceFen: a.askingPriceWan === null ? null : (a.askingPriceWan as number) * WAN,
    regionCode: cityCode(a.region),
  }));
  const needs = jsonl('needs.jsonl').map((n) => {
    const budget = n.budgetWan as [number, number] | null;
    return {
      externalId: `S-${n.key}`,
      title: n.title,
      description: n.description,
      field: fieldCode(n.field),
      budgetMinFen: budget ? budget[0] * WAN : null,
      budgetMaxFen: budget ? budget[1] * WAN : null,
      minTrl: null,
      preferredModes: (n.preferredModes as string[]).map((m) => MODES[m]!),
      regionCode: cityCode(n.region),
    };
  });
  const judgments = readFileSync(path.join(SHARED_DIR, 'qrels.tsv'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => {
      const [need, achievement, grade] = l.split('\t');
      return { needId: `S-${need}`, achievementId: `S-${achievement}`, grade: Number(grade) as Grade };
    });
  return { achievements, needs, judgments } as unknown as Devset;
}
