/**
 * Cost of the shared stretches shown in match reasons (reasons.ts, `sharedPhrases`), per request:
 * for each devset need, its text cut once (`subjectPieces`) and the stretches around up to ten
 * words it shares with each of the 20 devset achievements holding most of its words (the words of
 * the need's query each achievement's text holds); beside it, what the request
 * already pays for the same need, its lexical query (`subjectQuery`), measured in the same run; and
 * a worst case, every candidate holding the whole need after 20,000 characters of text.
 * Run: `npx tsx scripts/bench/match-phrases.ts` (no database).
 */
import os from 'node:os';
import { subjectQuery, subjectText } from '../../src/modules/matching/ranking.js';
import { sharedPhrases, subjectPieces } from '../../src/modules/matching/reasons.js';
import { loadDefaultThesaurus } from '../../src/modules/matching/synonyms.js';
import { warmUpSegmenter } from '../../src/modules/matching/text.js';
import { loadDevset } from '../data/match-devset/index.js';
import { achievementDocument } from './match-quality.js';

const SHOWN = 20;
const ROUNDS = Number(process.env.ROUNDS ?? 5);
warmUpSegmenter();
const devset = loadDevset();
const thesaurus = loadDefaultThesaurus();
const texts = devset.achievements.map((a) => subjectText(achievementDocument(a)));
const needs = devset.needs.map((n) => ({ title: n.title, body: n.description }));
// the words each need shares with each of its 20 achievements (chosen once, outside the timing)
const cases = needs.map((need) => {
  const words = subjectQuery(need, thesaurus)
    .filter((t) => t.kind === 'word' && [...t.term].length >= 2)
    .map((t) => t.term);
  // the 20 achievements holding most of the need's words, as a ranked list would show
  const shared = (text: string) => words.filter((w) => text.includes(w)).length;
  const shown = texts
    .map((text) => ({ text, n: shared(text) }))
    .sort((a, b) => b.n - a.n)
    .slice(0, SHOWN)
    .map((x) => x.text);
  const said = subjectText(need);
  return {
    need,
    said,
    candidates: shown.map((text) => ({ text, terms: words.filter((w) => text.includes(w)).slice(0, 10) })),
    // the worst case: every candidate holds the whole need at the end of 20,000 characters, so
    // every word extends as far as allowed and each substring search reads the whole text
    worst: shown.map((text) => ({
      text: `${text.repeat(Math.ceil(20_000 / text.length))}`.slice(0, 20_000 - said.length) + said,
      terms: words.slice(0, 10),
    })),
  };
});
const time = (f: () => void) => {
  const t0 = process.cpuUsage();
  f();
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1000;
};
let phrases = 0;
for (let round = 0; round < ROUNDS; round++) {
  const query = time(() => {
    for (const c of cases) subjectQuery(c.need, thesaurus);
  });
  const stretches = time(() => {
    for (const c of cases) {
      const subject = subjectPieces(c.said);
      for (const k of c.candidates) phrases += sharedPhrases(k.terms, subject, k.text).length;
    }
  });
  const worst = time(() => {
    for (const c of cases) {
      const subject = subjectPieces(c.said);
      for (const k of c.worst) sharedPhrases(k.terms, subject, k.text);
    }
  });
  console.log(
    `round ${round + 1}: per request, shared stretches ${(stretches / cases.length).toFixed(2)} ms CPU ` +
      `(${SHOWN} candidates; worst case ${(worst / cases.length).toFixed(2)} ms), ` +
      `the need's lexical query ${(query / cases.length).toFixed(2)} ms; ` +
      `load ${os.loadavg()[0]!.toFixed(1)}`,
  );
}
console.log(`${phrases / ROUNDS} stretches found per round over ${cases.length} needs`);
