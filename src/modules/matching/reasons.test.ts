import { describe, expect, it } from 'vitest';
import type { TermMatch } from './lexical.js';
import { distinctiveReasons, shownTerms, textReason } from './reasons.js';

const m = (term: string, df: number, surface = term, contribution = 1): TermMatch => ({
  term,
  kind: 'word',
  surface,
  contribution,
  df,
});

describe('match reasons', () => {
  it('shows a keyword match only on telling terms, without repeating parts of longer ones', () => {
    expect(
      textReason([m('正极材料', 3, undefined, 5), m('材料', 400, undefined, 1), m('包覆', 8)], 1000),
    ).toBe('关键词匹配：正极材料、包覆');
    expect(shownTerms([m('热管理', 2), m('管理', 2), m('液冷', 2)])).toEqual(['热管理', '液冷']);
  });

  it('does not present a match resting on one common word as a keyword match', () => {
    const reason = textReason([m('控制', 300)], 1000);
    expect(reason).toBe('弱相关：仅共有常见词「控制」');
    // one rare, specific word is enough
    expect(textReason([m('光度立体', 2)], 1000)).toBe('关键词匹配：光度立体');
  });

  it('never calls a word telling in a small directory when the listings catalog finds it common', () => {
    // 16 institutions: 服务 in 2 of them is rare by count, but a third of the listings hold it
    const listings = {
      docs: 1000,
      df: new Map([
        ['服务', 300],
        ['声学', 4],
      ]),
      avgLengths: [],
    };
    expect(textReason([m('服务', 2), m('科技', 2)], 16)).toBe('关键词匹配：服务、科技');
    expect(textReason([m('服务', 2)], 16, listings)).toBe('弱相关：仅共有常见词「服务」');
    // a word the listings seldom hold still tells, in the directory as anywhere
    expect(textReason([m('服务', 2), m('声学', 1)], 16, listings)).toBe('关键词匹配：声学');
  });

  it('says what in the need matched what in the candidate when a synonym carried it', () => {
    expect(textReason([m('agv', 3, '自动导引车')], 1000)).toBe('近义匹配：需求「agv」↔「自动导引车」');
  });

  it('drops a structured reason that holds for more than half of the list', () => {
    const item = (city: boolean) => ({
      text: '关键词匹配：a、b',
      structured: [{ kind: '同省', reason: '同省' }, ...(city ? [{ kind: '同城', reason: '同城' }] : [])],
    });
    const reasons = distinctiveReasons([item(true), item(false), item(false), item(false)]);
    expect(reasons[0]).toEqual(['关键词匹配：a、b', '同城']);
    for (const r of reasons) expect(r).not.toContain('同省');
    // too short a list to say what is common: nothing is dropped
    expect(distinctiveReasons([item(false), item(false)])[0]).toContain('同省');
  });
});
