import { describe, expect, it } from 'vitest';
import {
  loadDefaultThesaurus,
  SYNONYM_LIMITS,
  Thesaurus,
  type ValidationResult,
  validateGroups,
} from './synonyms.js';
import { queryTokens } from './text.js';

const INDUSTRY_PREFIXES = ['it', 'equip', 'mat', 'bio', 'nev', 'energy', 'env', 'digital', 'svc'];

function errorsOf(result: ValidationResult) {
  if (result.ok) throw new Error('expected validation to fail');
  return result.errors;
}

describe('default thesaurus', () => {
  const thesaurus = loadDefaultThesaurus();
  const groups = thesaurus.groups();

  it('ships at least 120 valid groups covering the 9 strategic emerging industries', () => {
    expect(groups.length).toBeGreaterThanOrEqual(120);
    const prefixes = new Set(groups.map((g) => g.id?.split('-')[0]));
    expect([...prefixes].sort()).toEqual([...INDUSTRY_PREFIXES].sort());
    expect(loadDefaultThesaurus()).toBe(thesaurus);
  });

  it('expands AGV and 自动导引车 both ways, whatever the case or width', () => {
    expect(thesaurus.expand('AGV')).toEqual(expect.arrayContaining(['agv', '自动导引车', '自动导引运输车']));
    expect(thesaurus.expand('ＡＧＶ')).toEqual(thesaurus.expand('agv'));
    expect(thesaurus.expand('自动导引车')).toContain('agv');
    expect(thesaurus.expand('自动导引运输车')).toContain('自动导引车');
  });

  it('expands 锂电 and 锂离子电池 both ways', () => {
    expect(thesaurus.expand('锂电')).toEqual(expect.arrayContaining(['锂离子电池', '锂电池']));
    expect(thesaurus.expand('锂离子电池')).toEqual(expect.arrayContaining(['锂电', '锂电池']));
  });

  it('returns the normalised token first, and only the token when it is unknown', () => {
    expect(thesaurus.expand('PLC')[0]).toBe('plc');
    expect(thesaurus.expand('PLC')).toContain('可编程逻辑控制器');
    expect(thesaurus.expand('  Ｆｏｏ ')).toEqual(['foo']);
    expect(thesaurus.expand('   ')).toEqual([]);
  });

  it('lists every term in one group only, so an ambiguous abbreviation cannot merge two concepts', () => {
    const owners = new Map<string, string[]>();
    for (const group of groups) {
      for (const term of group.terms) owners.set(term, [...(owners.get(term) ?? []), group.id ?? '?']);
    }
    expect([...owners].filter(([, ids]) => ids.length > 1)).toEqual([]);
  });

  it('keeps every Chinese term whole in queryTokens, so the query side can look it up', () => {
    const chinese = groups.flatMap((g) => g.terms).filter((term) => /\p{Script=Han}/u.test(term));
    expect(chinese.filter((term) => queryTokens(term).join('|') !== term)).toEqual([]);
  });

  it('exports a symmetric Meilisearch synonyms setting without self-references', () => {
    const synonyms = thesaurus.toMeilisearch();
    expect(synonyms.agv).toEqual(expect.arrayContaining(['自动导引车', '自动导引运输车']));
    for (const [term, others] of Object.entries(synonyms)) {
      expect(others).not.toContain(term);
      for (const other of others) expect(synonyms[other]).toContain(term);
    }
    const termCount = new Set(groups.flatMap((g) => g.terms)).size;
    expect(Object.keys(synonyms)).toHaveLength(termCount);
  });
});

describe('Thesaurus', () => {
  it('normalises terms and merges the groups of a term listed twice', () => {
    const thesaurus = new Thesaurus([
      { id: 'a', terms: ['ＣＮＣ', '数控机床'] },
      { terms: ['CNC', 'Computer Numerical Control'] },
    ]);
    expect(thesaurus.expand('cnc')).toEqual(['cnc', '数控机床', 'computer numerical control']);
    expect(thesaurus.expand('数控机床')).toEqual(['数控机床', 'cnc']);
    expect(thesaurus.groups()).toEqual([
      { id: 'a', terms: ['cnc', '数控机床'] },
      { terms: ['cnc', 'computer numerical control'] },
    ]);
    expect(thesaurus.toMeilisearch()).toEqual({
      cnc: ['数控机床', 'computer numerical control'],
      'computer numerical control': ['cnc'],
      数控机床: ['cnc'],
    });
  });

  it('hands out copies of its groups', () => {
    const thesaurus = new Thesaurus([{ terms: ['风电', '风力发电'] }]);
    thesaurus.groups()[0]?.terms.push('风机');
    expect(thesaurus.expand('风电')).toEqual(['风电', '风力发电']);
  });
});

describe('validateGroups', () => {
  it('accepts valid input and returns it normalised', () => {
    const result = validateGroups([
      { id: 'nev-1', terms: ['ＬＦＰ', '磷酸铁锂 '] },
      { terms: ['风电', '风力发电'] },
    ]);
    expect(result).toEqual({
      ok: true,
      groups: [{ id: 'nev-1', terms: ['lfp', '磷酸铁锂'] }, { terms: ['风电', '风力发电'] }],
    });
  });

  it('rejects input that is not an array, or has too many groups', () => {
    expect(errorsOf(validateGroups({ groups: [] }))).toEqual([
      { field: 'groups', message: 'must be an array of synonym groups' },
    ]);
    const tooMany = Array.from({ length: SYNONYM_LIMITS.maxGroups + 1 }, () => ({ terms: ['a', 'b'] }));
    expect(errorsOf(validateGroups(tooMany))[0]?.field).toBe('groups');
    expect(validateGroups(tooMany.slice(1)).ok).toBe(true);
  });

  it('reports each bad group and term by field', () => {
    const errors = errorsOf(
      validateGroups([
        'AGV',
        { terms: 'AGV' },
        { terms: ['AGV'] },
        { terms: ['AGV', 'ａｇｖ', 7, ' \u3000 ', 'x'.repeat(SYNONYM_LIMITS.maxTermLength + 1)] },
        { terms: Array.from({ length: SYNONYM_LIMITS.maxTerms + 1 }, (_, i) => `t${i}`) },
      ]),
    );
    expect(errors.map((e) => e.field)).toEqual([
      'groups[0]',
      'groups[1].terms',
      'groups[2].terms',
      'groups[3].terms[1]',
      'groups[3].terms[2]',
      'groups[3].terms[3]',
      'groups[3].terms[4]',
      'groups[4].terms',
    ]);
    expect(errors[3]?.message).toContain('duplicate of terms[0]');
    expect(errors[6]?.message).toContain('at most 40 characters');
  });

  it('accepts terms of exactly the maximum length, counted in characters after normalisation', () => {
    const han = '𠀀'.repeat(SYNONYM_LIMITS.maxTermLength); // astral CJK: 2 UTF-16 units each
    expect(validateGroups([{ terms: [han, `  ${'Ｘ'.repeat(SYNONYM_LIMITS.maxTermLength)}  `] }]).ok).toBe(
      true,
    );
  });

  it('checks ids: type, length, characters and uniqueness', () => {
    const errors = errorsOf(
      validateGroups([
        { id: 'ok-1', terms: ['a', 'b'] },
        { id: 'ok-1', terms: ['c', 'd'] },
        { id: 12, terms: ['e', 'f'] },
        { id: 'has space', terms: ['g', 'h'] },
        { id: 'x'.repeat(SYNONYM_LIMITS.maxIdLength + 1), terms: ['i', 'j'] },
      ]),
    );
    expect(errors.map((e) => e.field)).toEqual([
      'groups[1].id',
      'groups[2].id',
      'groups[3].id',
      'groups[4].id',
    ]);
    expect(errors[0]?.message).toContain('groups[0]');
  });

  it('caps the number of reported errors and honours the field prefix', () => {
    const errors = errorsOf(
      validateGroups(
        Array.from({ length: 500 }, () => null),
        'body.groups',
      ),
    );
    expect(errors).toHaveLength(SYNONYM_LIMITS.maxErrors);
    expect(errors[0]?.field).toBe('body.groups[0]');
  });
});
