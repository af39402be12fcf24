/**
 * Domain thesaurus: groups of equivalent terms and abbreviations (锂电 = 锂离子电池, AGV = 自动导引车).
 *
 * Shipped as data (data/synonyms.json) and editable by operators over the API, hence the explicit
 * validation. Only true equivalences belong here; loose associations would make every search noisy,
 * because the expansion is applied symmetrically (query side here, index side in Meilisearch).
 */
import { readFileSync } from 'node:fs';
import { normalizeText } from './text.js';

export type SynonymGroup = { id?: string; terms: string[] };

/** One problem in operator input, addressed like `groups[3].terms[1]` so the UI can point at it. */
export type FieldError = { field: string; message: string };

export type ValidationResult = { ok: true; groups: SynonymGroup[] } | { ok: false; errors: FieldError[] };

export const SYNONYM_LIMITS = {
  maxGroups: 5000,
  minTerms: 2,
  maxTerms: 50,
  /** In characters (code points) after normalisation. */
  maxTermLength: 40,
  maxIdLength: 64,
  /** A broken upload of 5000 groups would otherwise produce a response of ~250k errors. */
  maxErrors: 100,
} as const;

const ID_PATTERN = /^[A-Za-z0-9._-]+$/;
const DEFAULT_THESAURUS_URL = new URL('./data/synonyms.json', import.meta.url);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Length in characters rather than UTF-16 units, so that rare CJK characters count once. */
function charLength(s: string): number {
  return [...s].length;
}

/** Why a group id is rejected, or undefined when it is fine. */
function checkId(id: unknown, idFields: ReadonlyMap<string, string>): string | undefined {
  if (typeof id !== 'string' || id.length === 0 || id.length > SYNONYM_LIMITS.maxIdLength) {
    return `must be a string of 1-${SYNONYM_LIMITS.maxIdLength} characters`;
  }
  if (!ID_PATTERN.test(id)) return 'may only contain letters, digits, ".", "_" and "-"';
  const first = idFields.get(id);
  return first === undefined ? undefined : `duplicate id, already used by ${first}`;
}

/** The normalised term, or why it is rejected; `seen` maps the group's earlier terms to their index. */
function checkTerm(term: unknown, seen: ReadonlyMap<string, number>): { term: string } | { problem: string } {
  if (typeof term !== 'string') return { problem: 'must be a string' };
  const normalised = normalizeText(term);
  const length = charLength(normalised);
  if (length === 0) return { problem: 'must not be empty' };
  if (length > SYNONYM_LIMITS.maxTermLength) {
    return { problem: `must be at most ${SYNONYM_LIMITS.maxTermLength} characters, got ${length}` };
  }
  const first = seen.get(normalised);
  // Compared after normalisation: "AGV" and "ａｇｖ" are the same term.
  if (first !== undefined) return { problem: `duplicate of terms[${first}] ("${normalised}")` };
  return { term: normalised };
}

/**
 * Checks operator input (an array of `{ id?, terms }`) against the limits and returns the groups with
 * their terms normalised, or every problem found (capped at `maxErrors`). Unknown keys are ignored.
 * A term may appear in several groups: `Thesaurus.expand` then returns the union of those groups.
 */
export function validateGroups(input: unknown, fieldPrefix = 'groups'): ValidationResult {
  const errors: FieldError[] = [];
  const fail = (field: string, message: string): void => {
    if (errors.length < SYNONYM_LIMITS.maxErrors) errors.push({ field, message });
  };
  if (!Array.isArray(input)) {
    return { ok: false, errors: [{ field: fieldPrefix, message: 'must be an array of synonym groups' }] };
  }
  if (input.length > SYNONYM_LIMITS.maxGroups) {
    const message = `at most ${SYNONYM_LIMITS.maxGroups} groups allowed, got ${input.length}`;
    return { ok: false, errors: [{ field: fieldPrefix, message }] };
  }
  const groups: SynonymGroup[] = [];
  const idFields = new Map<string, string>();
  for (const [g, raw] of input.entries()) {
    const at = `${fieldPrefix}[${g}]`;
    if (!isRecord(raw)) {
      fail(at, 'must be an object with a "terms" array');
      continue;
    }
    const group: SynonymGroup = { terms: [] };
    if (raw.id !== undefined) {
      const problem = checkId(raw.id, idFields);
      if (problem) fail(`${at}.id`, problem);
      else if (typeof raw.id === 'string') {
        idFields.set(raw.id, at);
        group.id = raw.id;
      }
    }
    const terms: unknown = raw.terms;
    if (!Array.isArray(terms)) {
      fail(`${at}.terms`, 'must be an array of strings');
      continue;
    }
    if (terms.length < SYNONYM_LIMITS.minTerms || terms.length > SYNONYM_LIMITS.maxTerms) {
      const range = `${SYNONYM_LIMITS.minTerms}-${SYNONYM_LIMITS.maxTerms}`;
      fail(`${at}.terms`, `must contain ${range} terms, got ${terms.length}`);
    }
    const seen = new Map<string, number>();
    for (const [t, term] of terms.entries()) {
      const checked = checkTerm(term, seen);
      if ('problem' in checked) {
        fail(`${at}.terms[${t}]`, checked.problem);
        continue;
      }
      seen.set(checked.term, t);
      group.terms.push(checked.term);
    }
    groups.push(group);
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, groups };
}

/**
 * Term lookup over a set of synonym groups. Terms are normalised with `normalizeText`, the same
 * function that produces query tokens, so lookups agree with what the segmenter emits.
 */
export class Thesaurus {
  readonly #groups: readonly SynonymGroup[];
  /** normalised term → indices of the groups containing it */
  readonly #index = new Map<string, number[]>();

  constructor(groups: readonly SynonymGroup[]) {
    this.#groups = groups.map((group, g) => {
      const terms = [...new Set(group.terms.map(normalizeText).filter((term) => term !== ''))];
      for (const term of terms) {
        const entries = this.#index.get(term);
        if (entries) entries.push(g);
        else this.#index.set(term, [g]);
      }
      return group.id === undefined ? { terms } : { id: group.id, terms };
    });
  }

  /**
   * All equivalents of `token`, itself first, normalised. Unknown tokens return just themselves.
   * Not transitive: a term shared by two groups pulls in both groups, but not their other neighbours.
   * An equivalent may be a multi-word term that jieba splits (e.g. 自动导引运输车 if removed from the
   * user dictionary); it is returned as is and the caller decides how to query it.
   */
  expand(token: string): string[] {
    const normalised = normalizeText(token);
    if (normalised === '') return [];
    const result = new Set<string>([normalised]);
    for (const g of this.#index.get(normalised) ?? []) {
      for (const term of this.#groups[g]?.terms ?? []) result.add(term);
    }
    return [...result];
  }

  /** Copies, so callers cannot mutate the index behind the thesaurus' back. */
  groups(): SynonymGroup[] {
    return this.#groups.map((group) => ({ ...group, terms: [...group.terms] }));
  }

  /**
   * Meilisearch `synonyms` setting: every term maps to all of its equivalents except itself.
   * Meilisearch treats each entry as one-way, so writing every direction keeps it symmetric.
   */
  toMeilisearch(): Record<string, string[]> {
    const synonyms: Record<string, string[]> = {};
    for (const term of [...this.#index.keys()].sort()) {
      const others = this.expand(term).filter((other) => other !== term);
      if (others.length > 0) synonyms[term] = others;
    }
    return synonyms;
  }
}

let defaultThesaurus: Thesaurus | undefined;

/**
 * The thesaurus shipped in data/synonyms.json (`{ "version": 1, "groups": [...] }`), validated like
 * operator input so that a bad edit of the file fails loudly at start-up instead of matching oddly.
 * Cached: the instance is immutable from the outside.
 */
export function loadDefaultThesaurus(): Thesaurus {
  if (defaultThesaurus) return defaultThesaurus;
  const data: unknown = JSON.parse(readFileSync(DEFAULT_THESAURUS_URL, 'utf8'));
  if (!isRecord(data) || data.version !== 1) {
    throw new Error('data/synonyms.json: expected { "version": 1, "groups": [...] }');
  }
  const result = validateGroups(data.groups);
  if (!result.ok) {
    const details = result.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
    throw new Error(`data/synonyms.json is invalid: ${details}`);
  }
  defaultThesaurus = new Thesaurus(result.groups);
  return defaultThesaurus;
}
