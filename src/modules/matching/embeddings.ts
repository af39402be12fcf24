/**
 * A client of an OpenAI-compatible embeddings API (`POST …/embeddings`, `{model, input: string[]}`
 * → `{data: [{index, embedding: number[]}]}`), for optional semantic retrieval (semantic.ts).
 *
 * Bounded on every side: inputs cut to `MAX_INPUT_CHARS`, at most `MAX_BATCH` inputs per call,
 * a timeout per call (short for a query, longer for indexing), and no retry here: a failed call
 * fails, and the caller degrades (lexical only) or tries again later, so an outage never turns
 * into a storm of requests. The answer is checked (one vector per input, one dimension for all,
 * finite numbers) before anything is stored or compared. The API key is sent, never logged.
 */
import { createHash } from 'node:crypto';
import type { EmbeddingsConfig } from '../../platform/config.js';
import type { SearchDocument } from './engine.js';

/** Inputs per request (providers accept 64–2048; small batches keep each call short). */
export const MAX_BATCH = 64;
/** Characters of one input: a listing's title, keywords and summary, and the start of its body. */
export const MAX_INPUT_CHARS = 2000;
/** A query is embedded while a person waits: past this, matches are answered lexically. */
export const QUERY_TIMEOUT_MS = 1500;
/** One indexing batch of `MAX_BATCH` inputs. */
export const INDEX_TIMEOUT_MS = 30_000;
/** The answer's size bound (64 vectors of 4,096 numbers as JSON stay well below it). */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export class EmbeddingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddingsError';
  }
}

export interface EmbeddingsClient {
  readonly model: string;
  /** One vector per input, in input order; throws EmbeddingsError on any failure. */
  embed(inputs: string[], opts: { timeoutMs: number }): Promise<number[][]>;
}

/** The text sent for one input: trimmed, whitespace collapsed, at most MAX_INPUT_CHARS. */
export function boundedInput(text: string): string {
  return [...text.replace(/\s+/g, ' ').trim()].slice(0, MAX_INPUT_CHARS).join('');
}

/** The text a document (or a match subject) is embedded from: title, keywords, summary, body. */
export function embeddingText(doc: Pick<SearchDocument, 'title' | 'summary' | 'body' | 'keywords'>): string {
  return boundedInput(
    [doc.title, (doc.keywords ?? []).join('，'), doc.summary ?? '', doc.body ?? ''].join('\n'),
  );
}

/**
 * The hash a stored vector is kept under: of the model, the dimensions asked for (when set) and the
 * text, so a change of any of them embeds the text again (and unchanged text never is).
 */
export function contentHash(config: Pick<EmbeddingsConfig, 'model' | 'dimensions'>, text: string): string {
  // without EMBEDDINGS_DIMENSIONS the hash is the one vectors were stored under before it counted
  const head = config.dimensions ? `${config.model}\n${config.dimensions}` : config.model;
  return createHash('sha256').update(`${head}\n${text}`).digest('base64url');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The vectors of an answer, in input order, or an EmbeddingsError saying what is wrong with it. */
export function parseEmbeddings(body: unknown, count: number, dimensions: number | undefined): number[][] {
  if (!isRecord(body) || !Array.isArray(body.data)) throw new EmbeddingsError('answer has no data array');
  if (body.data.length !== count) {
    throw new EmbeddingsError(`answer has ${body.data.length} vectors for ${count} inputs`);
  }
  const out: (number[] | undefined)[] = new Array(count).fill(undefined);
  let dims = dimensions;
  for (const [position, item] of body.data.entries()) {
    if (!isRecord(item)) throw new EmbeddingsError('answer item is not an object');
    // `index` is optional in some servers; when absent the order of the list counts
    const index = item.index === undefined ? position : item.index;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= count || out[index]) {
      throw new EmbeddingsError('answer item has a missing, repeated or out-of-range index');
    }
    const v = item.embedding;
    if (!Array.isArray(v) || v.length === 0) throw new EmbeddingsError('answer item has no embedding');
    if (!v.every((x): x is number => typeof x === 'number' && Number.isFinite(x))) {
      throw new EmbeddingsError('embedding holds a non-finite or non-numeric value');
    }
    dims ??= v.length;
    if (v.length !== dims)
      throw new EmbeddingsError(`embedding has ${v.length} dimensions, expected ${dims}`);
    if (!v.some((x) => x !== 0)) throw new EmbeddingsError('embedding is all zeros');
    out[index] = v;
  }
  return out as number[][];
}

/** Reads at most MAX_RESPONSE_BYTES of a response body as JSON. */
async function boundedJson(res: Response): Promise<unknown> {
  const length = Number(res.headers.get('content-length') ?? 0);
  if (length > MAX_RESPONSE_BYTES) throw new EmbeddingsError('answer too large');
  const text = await res.text();
  if (text.length > MAX_RESPONSE_BYTES) throw new EmbeddingsError('answer too large');
  try {
    return JSON.parse(text);
  } catch {
    throw new EmbeddingsError('answer is not JSON');
  }
}

export function createEmbeddingsClient(config: EmbeddingsConfig): EmbeddingsClient {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (config.apiKey) headers.authorization = `Bearer ${config.apiKey}`;
  return {
    model: config.model,
    async embed(inputs, { timeoutMs }) {
      if (inputs.length === 0) return [];
      if (inputs.length > MAX_BATCH) throw new EmbeddingsError(`at most ${MAX_BATCH} inputs per call`);
      const body: Record<string, unknown> = { model: config.model, input: inputs.map(boundedInput) };
      if (config.dimensions) body.dimensions = config.dimensions;
      let res: Response;
      try {
        res = await fetch(config.endpoint, {
          method: 'POST',
          headers,
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        const reason =
          err instanceof Error && err.name === 'TimeoutError'
            ? `timed out after ${timeoutMs} ms`
            : 'unreachable';
        throw new EmbeddingsError(`embeddings provider ${reason}`);
      }
      if (!res.ok) {
        await res.body?.cancel();
        throw new EmbeddingsError(`embeddings provider answered ${res.status}`);
      }
      try {
        return parseEmbeddings(await boundedJson(res), inputs.length, config.dimensions);
      } catch (err) {
        if (err instanceof Error && err.name === 'TimeoutError') {
          throw new EmbeddingsError(`embeddings provider timed out after ${timeoutMs} ms`);
        }
        throw err;
      }
    },
  };
}
