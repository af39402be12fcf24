/**
 * The production ranking (lexical.ts BM25F + ranking.ts structural factor) over an in-memory copy
 * of a catalog: the same tokenizer, scorer and fits, without PostgreSQL or HTTP, so that the fit
 * (match-fit.ts) can evaluate hundreds of parameter settings in minutes. Also the bench's BM25
 * baseline over character bigrams, computed over the same documents.
 */
import {
  AssociationTable,
  associationTerms,
  learnAssociations,
  listingUnits,
} from '../../src/modules/matching/associations.js';
import { diversify } from '../../src/modules/matching/diversity.js';
import type { DocumentType, SearchDocument } from '../../src/modules/matching/engine.js';
import type { Profile } from '../../src/modules/matching/fits.js';
import {
  type CorpusStats,
  feedbackTerms,
  type LexicalTerm,
  lexicalScore,
} from '../../src/modules/matching/lexical.js';
import {
  type RankingParams,
  structuralFactor,
  structuralFits,
  subjectQuery,
} from '../../src/modules/matching/ranking.js';
import type { Thesaurus } from '../../src/modules/matching/synonyms.js';
import { bigramTokens, normalizeText } from '../../src/modules/matching/text.js';
import { documentFields } from '../../src/modules/matching/tsvector.js';

interface Indexed {
  doc: SearchDocument;
  tf: Map<string, number[]>;
  lengths: number[];
}

export class MemoryCorpus {
  readonly #docs: Indexed[] = [];
  readonly #postings = new Map<string, number[]>();
  #stats: CorpusStats | undefined;

  constructor(
    docs: SearchDocument[],
    private readonly fieldsOf: (doc: SearchDocument) => string[][] = documentFields,
    private readonly queryOf: typeof subjectQuery = subjectQuery,
    /** the catalog's term associations, learnt from `docs` (associations.ts) */
    readonly associations: AssociationTable = new AssociationTable(learnAssociations(docs.map(listingUnits))),
    /** extra tokens per section that count as occurrences but not in the section lengths (experiments) */
    extraOf?: (doc: SearchDocument) => string[][],
  ) {
    for (const doc of docs) {
      const fields = this.fieldsOf(doc);
      const tf = new Map<string, number[]>();
      const count = (tokens: string[], i: number) => {
        for (const t of tokens) {
          const counts = tf.get(t) ?? [0, 0, 0, 0];
          counts[i]!++;
          tf.set(t, counts);
        }
      };
      fields.forEach(count);
      extraOf?.(doc).forEach(count);
      const n = this.#docs.push({ doc, tf, lengths: fields.map((f) => f.length) }) - 1;
      for (const lexeme of tf.keys()) {
        const list = this.#postings.get(lexeme) ?? [];
        list.push(n);
        this.#postings.set(lexeme, list);
      }
    }
  }

  get stats(): CorpusStats {
    if (!this.#stats) {
      const sums = [0, 0, 0, 0];
      for (const d of this.#docs) {
        d.lengths.forEach((l, i) => {
          sums[i]! += l;
        });
      }
      const df = new Map([...this.#postings].map(([l, p]) => [l, p.length]));
      this.#stats = { docs: this.#docs.length, df, avgLengths: sums.map((s) => s / this.#docs.length) };
    }
    return this.#stats;
  }

  /** Ids of the documents of `type` ranked for `subject` (text, then the structural factor). */
  rank(
    type: DocumentType,
    subject: SearchDocument,
    thesaurus: Thesaurus,
    params: RankingParams,
    now: Date,
    k = 20,
  ): string[] {
    const own = this.queryOf(subject, thesaurus, params.lexical);
    const query = [...own, ...associationTerms(own, this.associations, params.associations)];
    let terms = query;
    if (params.feedback.docs > 0) {
      const first = this.#textRank(type, query, params)
        .slice(0, params.feedback.docs)
        .map((s) => ({ vector: s.d, score: s.text }));
      terms = [...query, ...feedbackTerms(query, first, this.stats, params.feedback)];
    }
    const scored = this.#textRank(type, terms, params);
    const best = Math.max(0, ...scored.map((s) => s.text));
    const ranked = scored
      .filter((s) => s.text >= params.minText * best)
      .map((s) => {
        const hit = { ...(s.d.doc as Profile), updatedAt: String(s.d.doc.updatedAt) };
        const fits = structuralFits(type, subject, hit, now);
        return {
          id: s.d.doc.id,
          title: s.d.doc.title,
          score: (s.text / best) * structuralFactor(fits, params),
        };
      })
      .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
    return diversify(
      ranked,
      (s) => s.score,
      (s) => s.title,
      params.diversity,
      k,
    ).map(({ item }) => item.id);
  }

  #textRank(type: DocumentType, terms: LexicalTerm[], params: RankingParams) {
    const candidates = new Set<number>();
    for (const t of terms) {
      if (t.kind !== 'word') continue;
      for (const alt of t.alternatives)
        for (const l of alt.lexemes) for (const i of this.#postings.get(l) ?? []) candidates.add(i);
    }
    const scored = [...candidates]
      .map((i) => this.#docs[i]!)
      .filter((d) => d.doc.type === type)
      .map((d) => ({ d, text: lexicalScore(terms, this.stats, d, params.lexical).score }))
      .filter((s) => s.text > 0);
    return scored.sort((a, b) => b.text - a.text || a.d.doc.id.localeCompare(b.d.doc.id));
  }
}

/** Character bigrams of the Han runs (a lone character as itself), ASCII words whole. */
const baselineTokens = (text: string) => bigramTokens(normalizeText(text), 'ascii');

/**
 * The reference baseline of the shared set's README: BM25 (k1 1.2, b 0.75) over character bigrams
 * of a document's public text, the query being the need's title and description.
 */
export class BigramBm25 {
  readonly #docs: { id: string; tf: Map<string, number>; length: number }[] = [];
  readonly #df = new Map<string, number>();
  readonly #avg: number;

  constructor(docs: { id: string; text: string }[]) {
    for (const { id, text } of docs) {
      const tf = new Map<string, number>();
      const tokens = baselineTokens(text);
      for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
      for (const t of tf.keys()) this.#df.set(t, (this.#df.get(t) ?? 0) + 1);
      this.#docs.push({ id, tf, length: tokens.length });
    }
    this.#avg = this.#docs.reduce((s, d) => s + d.length, 0) / Math.max(1, this.#docs.length);
  }

  rank(query: string, k = 20): string[] {
    const n = this.#docs.length;
    const qtf = new Map<string, number>();
    for (const t of baselineTokens(query)) qtf.set(t, (qtf.get(t) ?? 0) + 1);
    const k1 = 1.2;
    const b = 0.75;
    return this.#docs
      .map((d) => {
        let score = 0;
        for (const [t, q] of qtf) {
          const tf = d.tf.get(t);
          if (!tf) continue;
          const df = this.#df.get(t) ?? 0;
          const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
          score += q * idf * ((tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * d.length) / this.#avg)));
        }
        return { id: d.id, score };
      })
      .filter((s) => s.score > 0)
      .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
      .slice(0, k)
      .map((s) => s.id);
  }
}
