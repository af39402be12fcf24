import { readFileSync } from 'node:fs';
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeText, queryTokens, STOP_WORDS, segment } from './text.js';

const userDictText = readFileSync(new URL('./data/user-dict.txt', import.meta.url), 'utf8');
const userDictLines = userDictText.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));
const userDictWords = userDictLines.map((line) => line.split(' ')[0] ?? '');

describe('normalizeText', () => {
  it('maps full-width Latin letters and digits to lower-case half-width ASCII', () => {
    expect(normalizeText('Ｌｉ')).toBe('li');
    expect(normalizeText('１２３')).toBe('123');
    expect(normalizeText('ＡＧＶ小车')).toBe('agv小车');
    expect(normalizeText('MoS2 LiFePO4')).toBe('mos2 lifepo4');
  });

  it('maps full-width punctuation to ASCII and leaves CJK punctuation and Han characters alone', () => {
    expect(normalizeText('电池（固态），容量：５０％！')).toBe('电池(固态),容量:50%!');
    expect(normalizeText('锂电池。')).toBe('锂电池。');
  });

  it('collapses whitespace (including the ideographic space), strips invisible characters and trims', () => {
    expect(normalizeText('  自动导引车\u3000\t调度\r\n系统  ')).toBe('自动导引车 调度 系统');
    expect(normalizeText('石墨\u200B烯\uFEFF')).toBe('石墨烯');
    expect(normalizeText('')).toBe('');
  });

  it('is idempotent, so normalised thesaurus terms and tokens can be normalised again safely', () => {
    const idempotent = (s: string) => normalizeText(normalizeText(s)) === normalizeText(s);
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 40 }), idempotent), { numRuns: 2000 });
  });
});

describe('segment', () => {
  it('lets a query word match inside a longer document word (infix)', () => {
    const processing = segment('待处理的工单自动分派');
    expect(processing).toContain('待处理');
    expect(processing).toContain('处理');
    const battery = segment('高能量密度锂离子电池');
    expect(battery).toContain('锂离子电池');
    expect(battery).toContain('电池');
    for (const token of [...queryTokens('处理'), ...queryTokens('电池')]) {
      expect([...processing, ...battery]).toContain(token);
    }
  });

  it('finds 4-character dictionary words inside longer words, beyond what search mode emits', () => {
    const tokens = segment('碳纤维复合材料');
    expect(tokens).toEqual(expect.arrayContaining(['碳纤维复合材料', '碳纤维', '复合材料', '材料', '纤维']));
  });

  it('indexes every 2-character window of long Chinese words, for words the dictionary does not know', () => {
    // 维复 and 子电 are no words; the windows exist so that unknown 2-character query words still match.
    expect(segment('碳纤维复合材料')).toEqual(expect.arrayContaining(['碳纤', '维复', '合材']));
    expect(segment('锂离子电池')).toEqual(expect.arrayContaining(['锂离', '子电']));
  });

  it('contains both the precise-mode and the search-mode tokens of jieba', () => {
    const reference = Jieba.withDict(dict);
    reference.loadDict(Buffer.from(userDictLines.join('\n')));
    const text = normalizeText(
      '本项目研发基于固态电解质的锂离子电池，利用机器视觉实现待处理数据的在线检测。',
    );
    const tokens = new Set(segment(text));
    const expected = queryTokens(text);
    for (const token of expected) expect(tokens).toContain(token);
    for (const token of reference.cutForSearch(text, true)) {
      const word = token.trim();
      if (word.length >= 2 && !STOP_WORDS.has(word) && /\p{L}/u.test(word)) expect(tokens).toContain(word);
    }
  });

  it('keeps Latin and numeric tokens whole and lower-cased', () => {
    const tokens = segment('ＡＧＶ调度系统支持5G通信，MoS2涂层，C++与C#开发');
    expect(tokens).toEqual(expect.arrayContaining(['agv', '5g', 'mos2', 'c++', 'c#']));
    expect(tokens).not.toContain('a');
    expect(tokens).not.toContain('m');
  });

  it('drops punctuation, whitespace and stop words', () => {
    const tokens = segment('一种基于石墨烯的散热膜， 及其制备方法！  The method of 制备。');
    expect(tokens).toEqual(expect.arrayContaining(['石墨烯', '散热', '制备', '方法', 'method']));
    for (const dropped of ['一种', '基于', '的', '及其', 'the', 'of', '，', '！', '。', ' ', '']) {
      expect(tokens).not.toContain(dropped);
    }
    for (const token of tokens) expect(token).toMatch(/^[\p{L}\p{N}][\p{L}\p{N}.+#&%_-]*$/u);
  });

  it('keeps repeated words so that ts_rank sees term frequency', () => {
    const tokens = segment('电池电池，电池');
    expect(tokens.filter((t) => t === '电池')).toHaveLength(3);
  });

  it('drops tokens too long to be useful index terms', () => {
    const blob = 'a'.repeat(65);
    expect(segment(`附件 ${blob}`)).toEqual(['附件']);
    expect(segment('a'.repeat(64))).toEqual(['a'.repeat(64)]);
  });

  it('returns nothing for empty or punctuation-only input', () => {
    expect(segment('')).toEqual([]);
    expect(segment(' ，。！？…… ')).toEqual([]);
  });
});

describe('queryTokens', () => {
  it('keeps domain dictionary terms whole', () => {
    const terms = [
      '锂离子电池',
      '固态电池',
      '自动导引车',
      '碳纤维',
      '复合材料',
      '光伏组件',
      '钙钛矿',
      '氢燃料电池',
      '工业互联网',
      '机器视觉',
      '数字孪生',
      '新能源汽车',
      '石墨烯',
      '生物医药',
      '基因编辑',
      '集成电路',
      '半导体',
      '储能',
    ];
    for (const term of terms) expect(queryTokens(term)).toEqual([term]);
  });

  it('keeps every word of the shipped user dictionary whole', () => {
    const broken = userDictWords.filter((word) => queryTokens(word).join('|') !== word);
    expect(broken).toEqual([]);
  });

  it('segments a query in precise mode, without sub-tokens, stop words or duplicates', () => {
    expect(queryTokens('基于锂离子电池的储能系统')).toEqual(['锂离子电池', '储能', '系统']);
    expect(queryTokens('ＡＧＶ 与 agv 调度')).toEqual(['agv', '调度']);
    expect(queryTokens('的 了 和')).toEqual([]);
  });
});

describe('user dictionary', () => {
  it('ships at least 150 terms across the 9 strategic emerging industries', () => {
    const sections = userDictText.split('\n').filter((line) => /^# \S+$/u.test(line));
    expect(sections.map((line) => line.slice(2))).toEqual([
      '新一代信息技术',
      '高端装备制造',
      '新材料',
      '生物',
      '新能源汽车',
      '新能源',
      '节能环保',
      '数字创意',
      '相关服务业',
    ]);
    expect(userDictWords.length).toBeGreaterThanOrEqual(150);
    expect(new Set(userDictWords).size).toBe(userDictWords.length);
    for (const word of userDictWords) expect(normalizeText(word)).toBe(word);
  });
});
