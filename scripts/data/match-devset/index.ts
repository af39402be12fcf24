// Loader for the hand-labelled need → achievement matching development set (see README.md).
import { readFileSync } from 'node:fs';
import type { FieldCode, TransferMode } from '../../../src/modules/catalog/demo/templates/model.js';

export type Grade = 0 | 1 | 2 | 3;

export interface DevsetAchievement {
  externalId: string;
  title: string;
  summary: string;
  description: string;
  keywords: string[];
  field: FieldCode;
  trl: number;
  transferModes: TransferMode[];
  /** null = 面议 (negotiable) */
  priceFen: number | null;
  regionCode: string;
}

export interface DevsetNeed {
  externalId: string;
  title: string;
  description: string;
  field: FieldCode;
  budgetMinFen: number;
  budgetMaxFen: number;
  minTrl: number;
  preferredModes: TransferMode[];
  regionCode: string;
}

/** Graded relevance of one achievement to one need; unjudged pairs count as grade 0. */
export interface DevsetJudgment {
  needId: string;
  achievementId: string;
  grade: Grade;
}

export interface Devset {
  achievements: DevsetAchievement[];
  needs: DevsetNeed[];
  judgments: DevsetJudgment[];
}

function readJson<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./${name}`, import.meta.url), 'utf8')) as T;
}

export function loadDevset(): Devset {
  const devset: Devset = {
    achievements: readJson('achievements.json'),
    needs: readJson('needs.json'),
    judgments: readJson('judgments.json'),
  };
  const achievementIds = new Set(devset.achievements.map((a) => a.externalId));
  const needIds = new Set(devset.needs.map((n) => n.externalId));
  for (const j of devset.judgments) {
    if (!needIds.has(j.needId) || !achievementIds.has(j.achievementId)) {
      throw new Error(`judgment refers to an unknown id: ${j.needId} → ${j.achievementId}`);
    }
  }
  return devset;
}

/** needId → (achievementId → grade), the usual "qrels" shape for ranking metrics. */
export function qrels(devset: Devset): Map<string, Map<string, Grade>> {
  const out = new Map<string, Map<string, Grade>>();
  for (const j of devset.judgments) {
    const m = out.get(j.needId) ?? new Map<string, Grade>();
    m.set(j.achievementId, j.grade);
    out.set(j.needId, m);
  }
  return out;
}
