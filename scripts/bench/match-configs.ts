/**
 * The configurations the bench and the fit report, in memory (match-memory.ts): each judged set
 * ranked among the demo catalog plus its own achievements (the configuration), and among
 * everything (both judged sets and the demo catalog), each beside BM25 over character bigrams
 * computed over exactly the same documents.
 */
import { generateDemo } from '../../src/modules/catalog/demo/demo-data.js';
import type { Devset } from '../data/match-devset/index.js';

export interface BaselineDocument {
  id: string;
  text: string;
}

/** A listing's public text as the BM25 baseline reads it. */
export function baselineText(a: {
  title: string;
  summary: string;
  keywords: string[];
  description?: string;
}): string {
  return [a.title, a.summary, a.keywords.join(' '), a.description ?? ''].join('\n');
}

/** The demo catalog's achievements as the bench seeds them (`demo-<i>` in memory). */
export function demoAchievements() {
  return generateDemo(1).achievements;
}

/** Baseline documents of some judged sets plus the demo catalog. */
export function baselineDocuments(sets: Devset[]): BaselineDocument[] {
  const judged = sets.flatMap((set) =>
    set.achievements.map((a) => ({ id: a.externalId, text: baselineText(a) })),
  );
  const demo = demoAchievements().map((a, i) => ({ id: `demo-${i}`, text: baselineText(a) }));
  return [...judged, ...demo];
}
