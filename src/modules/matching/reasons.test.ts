import { describe, expect, it } from 'vitest';
import { generalHead, headOf } from './generic-words.js';
import type { CorpusStats, TermMatch } from './lexical.js';
import {
  distinctiveReasons,
  isGeneric,
  restsOnGenericWords,
  sharedPhrases,
  shownTerms,
  subjectPieces,
  textReason,
  wholeKeywords,
  withoutRepeated,
} from './reasons.js';

const m = (term: string, df: number, surface = term, contribution = 1): TermMatch => ({
  term,
  kind: 'word',
  surface,
  contribution,
  df,
});
const stats = (docs: number, df: Record<string, number>): CorpusStats => ({
  docs,
  df: new Map(Object.entries(df)),
  avgLengths: [],
});

describe('match reasons', () => {
  it('shows a keyword match only on telling terms, without repeating parts of longer ones', () => {
    expect(
      textReason([m('正极材料', 3, undefined, 5), m('材料', 400, undefined, 1), m('包覆', 8)], 1000),
    ).toBe('关键词匹配：正极材料、包覆');
    expect(shownTerms([m('热管理', 2), m('管理', 2), m('液冷', 2)])).toEqual(['热管理', '液冷']);
    // nor a shorter word listed before the longer one holding it
    expect(shownTerms([m('成熟', 2), m('成熟度', 2), m('技术成熟度', 2), m('液冷', 2)])).toEqual([
      '技术成熟度',
      '液冷',
    ]);
  });

  it("shows an owner's keyword found whole in the need as one term, not its fragments", () => {
    const matches = [m('码率', 2, undefined, 5), m('感兴趣', 3, undefined, 4), m('编码', 5, undefined, 3)];
    const need = '重点解决感兴趣区域码率分配、并行编码架构等问题';
    const whole = wholeKeywords(['感兴趣区域码率分配', '视频编码'], need);
    // 视频编码 is not in the need whole: 编码 is shown by itself, as a telling word
    expect(whole).toEqual(['感兴趣区域码率分配']);
    expect(textReason(matches, 1000, undefined, whole)).toBe('关键词匹配：感兴趣区域码率分配、编码');
    expect(shownTerms(matches, 10, whole)).toEqual(['感兴趣区域码率分配', '编码']);
    // no keyword found whole: the telling fragments, as before
    expect(textReason(matches, 1000)).toBe('关键词匹配：码率、感兴趣、编码');
    // the decision is taken on the words: one telling word inside a whole keyword stays weak
    expect(textReason([m('码率', 60)], 1000, undefined, whole)).toBe('弱相关：仅共有常见词「码率」');
  });

  it('shows the longest stretch of the need the candidate holds too around a telling word', () => {
    const need = subjectPieces('建立碳化硅衬底的缺陷快速识别方法');
    const candidate = '面向碳化硅衬底的缺陷检测';
    expect(sharedPhrases(['碳化硅', '衬底', '缺陷'], need, candidate)).toEqual(['碳化硅衬底的缺陷']);
    // a stretch begins and ends on a matched word: 缺陷 is not one here, 的 never is
    expect(sharedPhrases(['碳化硅', '衬底'], need, candidate)).toEqual(['碳化硅衬底']);
    expect(sharedPhrases(['缺陷', '识别'], need, '缺陷快速识别方法研究')).toEqual(['缺陷快速识别方法']);
    // punctuation and line breaks end a stretch; nothing longer than the word: nothing returned
    expect(sharedPhrases(['碳化硅', '衬底'], need, '碳化硅、衬底')).toEqual([]);
    expect(sharedPhrases(['碳化硅', '衬底'], subjectPieces('碳化硅\n衬底'), '碳化硅\n衬底')).toEqual([]);
    // bounded: at most MAX_PHRASE_CHARS (16) characters
    const long = '碳化硅衬底微管位错层错划痕颗粒污染检测识别';
    const phrases = sharedPhrases(['碳化硅', '层错', '识别'], subjectPieces(long), long);
    expect(phrases[0]).toBe('碳化硅衬底微管位错层错');
    for (const p of phrases) expect([...p].length).toBeLessThanOrEqual(16);
  });

  it("finds an owner's keyword whole in the need text only as written, normalised", () => {
    expect(wholeKeywords(['ＡＧＶ调度', '调度算法'], '仓储agv调度系统')).toEqual(['agv调度']);
    // a Latin keyword inside a longer Latin word is not found whole
    expect(wholeKeywords(['ai'], 'maintain the line')).toEqual([]);
    expect(wholeKeywords(['ai', '8'], 'ai 质检')).toEqual(['ai']);
    expect(wholeKeywords(undefined, 'ai')).toEqual([]);
  });

  it('does not present a match resting on one common word as a keyword match', () => {
    const reason = textReason([m('控制', 300)], 1000);
    expect(reason).toBe('弱相关：仅共有常见词「控制」');
    // one rare, specific word is enough
    expect(textReason([m('光度立体', 2)], 1000)).toBe('关键词匹配：光度立体');
  });

  it('never calls a word telling in a small directory when all public text finds it common', () => {
    // 16 institutions: 技术成熟度 in 2 of them is rare by count, but a third of all public text holds it
    const publicText = stats(1000, { 技术成熟度: 300, 声学: 4, 超声: 6 });
    expect(textReason([m('技术成熟度', 2)], 16, publicText)).toBe('弱相关：仅共有常见词「技术成熟度」');
    // a word public text seldom holds still tells, in the directory as anywhere
    expect(textReason([m('技术成熟度', 2), m('声学', 1)], 16, publicText)).toBe('关键词匹配：声学');
    expect(textReason([m('声学', 1), m('超声', 1)], 16, publicText)).toBe('关键词匹配：声学、超声');
  });

  it('says a directory candidate rests on common words exactly when its reason would be weak', () => {
    const publicText = stats(810, { 服务: 30, 科技: 25, 技术成熟度: 300, 声学: 4, 超声: 6, 协同: 30 });
    // general Chinese only, a form's boilerplate only, one telling but not rare word: left out
    expect(restsOnGenericWords([m('服务', 2), m('科技', 2)], 16, publicText)).toBe(true);
    expect(restsOnGenericWords([m('技术成熟度', 2)], 16, publicText)).toBe(true);
    expect(restsOnGenericWords([m('协同', 30)], 1000, publicText)).toBe(true);
    expect(restsOnGenericWords([], 16, publicText)).toBe(true);
    // telling words, or a synonym, are evidence
    expect(restsOnGenericWords([m('声学', 1), m('超声', 1)], 16, publicText)).toBe(false);
    expect(restsOnGenericWords([m('光度立体', 1)], 16, publicText)).toBe(false);
    expect(restsOnGenericWords([m('agv', 2, '自动导引车')], 16, publicText)).toBe(false);
  });

  it('shows no keyword match resting on words of general Chinese, whatever their count (demo case)', () => {
    // npm start, a need's institutions: 徐州淮海科技成果转化服务中心 shared only 服务 and 科技 with the
    // need; both are in under 5 % of all public text, but among the words making up half of
    // general Chinese text (jieba's dictionary)
    const publicText = stats(810, { 服务: 30, 科技: 25 });
    const reason = textReason([m('服务', 2, undefined, 2), m('科技', 2)], 16, publicText);
    expect(reason).toBe('弱相关：仅共有常见词「服务」');
    // the same rule for achievements: no catalog share makes 技术 or 控制 telling
    expect(textReason([m('技术', 3), m('控制', 3)], 1000)).toBe('弱相关：仅共有常见词「技术」');
    expect(isGeneric(m('服务', 1))).toBe(true);
    expect(isGeneric(m('科技', 1))).toBe(true);
  });

  it('still shows technical words, in directories and catalogs alike', () => {
    const publicText = stats(810, { 激光: 12, 焊接: 9, 增材制造: 3, 视频编码: 2 });
    expect(textReason([m('激光', 2), m('焊接', 1)], 16, publicText)).toBe('关键词匹配：激光、焊接');
    expect(textReason([m('增材制造', 3)], 540, publicText)).toBe('关键词匹配：增材制造');
    expect(textReason([m('服务', 2), m('视频编码', 1)], 16, publicText)).toBe('关键词匹配：视频编码');
    for (const w of ['激光', '焊接', '机器人', '检测', '材料', '转化'])
      expect(isGeneric(m(w, 1))).toBe(false);
  });

  it("takes the general-language head as the words covering half of a dictionary's occurrences", () => {
    const dict = ['的 50 u', '技术 20 n', '服务 15 vn', '激光 10 n', '焊接 5 v', 'AGV 0 n', ''].join('\n');
    // 的 covers 50 of 100: exactly half, nothing more is needed
    expect([...headOf(dict, 0.5)]).toEqual(['的']);
    expect([...headOf(dict, 0.8)]).toEqual(['的', '技术', '服务']);
    expect(generalHead().size).toBeGreaterThan(500);
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

  it('drops a weak reason that holds for more than half of the list, never a keyword match', () => {
    const weak = { text: '弱相关：仅共有常见词「轻量」', structured: [] };
    const nearby = { ...weak, structured: [{ kind: '同城', reason: '同城' }] };
    const keyword = { text: '关键词匹配：激光、焊接', structured: [] };
    const reasons = distinctiveReasons([nearby, weak, weak, keyword]);
    expect(reasons[0]).toEqual(['同城']);
    // never left unexplained
    expect(reasons[1]).toEqual(['弱相关：仅共有常见词「轻量」']);
    expect(reasons[3]).toEqual(['关键词匹配：激光、焊接']);
    expect(distinctiveReasons([keyword, keyword, keyword, weak])[0]).toEqual(['关键词匹配：激光、焊接']);
    // at most half: kept
    expect(distinctiveReasons([nearby, weak, keyword, keyword])[0]).toEqual([
      '弱相关：仅共有常见词「轻量」',
      '同城',
    ]);
  });

  it('thins a merged list by the same rule, never a reason naming what matched', () => {
    const merged = withoutRepeated([
      ['服务产品：「专利代理」', '弱相关：仅共有常见词「技术」', '服务地区覆盖'],
      ['服务产品：「专利代理」', '服务地区覆盖'],
      ['弱相关：仅共有常见词「技术」', '服务地区覆盖'],
      ['弱相关：仅共有常见词「技术」'],
    ]);
    expect(merged).toEqual([
      ['服务产品：「专利代理」'],
      ['服务产品：「专利代理」'],
      ['弱相关：仅共有常见词「技术」'],
      ['弱相关：仅共有常见词「技术」'],
    ]);
  });

  it('names the longer word a weak match rests on, not a part of it', () => {
    expect(textReason([m('成熟', 400, undefined, 3), m('技术成熟度', 300, undefined, 1)], 1000)).toBe(
      '弱相关：仅共有常见词「技术成熟度」',
    );
  });
});
