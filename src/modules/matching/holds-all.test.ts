import { describe, expect, it } from 'vitest';
import { loadDefaultThesaurus, Thesaurus } from './synonyms.js';
import { documentHoldsAll } from './tsvector.js';

/** The in-process word rule alerts judge a listing version with (the embedded engine's `match: 'all'`). */
describe('documentHoldsAll', () => {
  const thesaurus = loadDefaultThesaurus();
  const doc = {
    title: '高能量密度锂离子电池热管理系统',
    keywords: ['热管理'],
    summary: '工业废水待处理池液位监测',
    body: '基于激光SLAM导航的自动导引车调度',
  };

  it('needs every word of the query, each or one of its synonyms, in any section', () => {
    expect(documentHoldsAll(doc, '锂电 热管理', thesaurus)).toBe(true);
    expect(documentHoldsAll(doc, 'AGV 调度', thesaurus)).toBe(true);
    expect(documentHoldsAll(doc, '液位', thesaurus)).toBe(true);
    expect(documentHoldsAll(doc, '热管理 钙钛矿', thesaurus)).toBe(false);
    expect(documentHoldsAll(doc, '钙钛矿', thesaurus)).toBe(false);
  });

  it('finds a word inside a longer one, as the embedded engine does (处理 → 待处理)', () => {
    expect(documentHoldsAll(doc, '处理', thesaurus)).toBe(true);
  });

  it('holds for an empty query, and follows an operator-edited thesaurus', () => {
    expect(documentHoldsAll(doc, '', thesaurus)).toBe(true);
    expect(documentHoldsAll(doc, '光储一体', thesaurus)).toBe(false);
    const edited = new Thesaurus([...thesaurus.groups(), { id: 't', terms: ['光储一体', '热管理'] }]);
    expect(documentHoldsAll(doc, '光储一体', edited)).toBe(true);
  });
});
