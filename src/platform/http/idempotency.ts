import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { and, eq, sql } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { decryptField, deriveKey, encryptField } from '../crypto.js';
import type { Db } from '../db.js';
import { BadRequestError, ConflictError, UnprocessableError } from '../errors.js';
import { idempotencyKeys } from '../schema.js';

/**
 * `Idempotency-Key` on POST, with the semantics payment APIs use: the same key and body replays
 * the stored response (status included); the same key with another body is refused (422); a
 * retry while the first request is still running gets 409. Keys are scoped to the caller and
 * kept 24 hours. A 5xx is not stored, so the client may retry it with the same key.
 */
const KEY_RE = /^[\x21-\x7e]{1,255}$/;
const TTL_HOURS = 24;
/** An in-flight claim older than this is considered abandoned (the process died). */
const STALE_SECONDS = 60;
const REPLAY_HEADERS = ['content-type', 'content-language', 'location', 'etag'];

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the caller is for idempotency scoping; identity sets it once authenticated. */
    callerScope(): string;
    idempotency?: { scope: string; key: string };
  }
  interface FastifyContextConfig {
    /** Set to false on a POST route that must not take part (e.g. protocol endpoints). */
    idempotent?: boolean;
  }
}

function requestHash(req: FastifyRequest): string {
  const body = req.body === undefined ? '' : (canonicalize(req.body) ?? '');
  return createHash('sha256').update(`${req.method} ${req.url}\n${body}`).digest('hex');
}

async function idempotency(app: FastifyInstance, opts: { db: Db; appSecret: string }): Promise<void> {
  const { db } = opts;
  // Stored responses may hold secrets shown once (client or webhook secrets): keep them encrypted.
  const sealKey = deriveKey(Buffer.from(opts.appSecret), 'idempotency-responses');
  const seal = (scope: string, k: string, body: string) => encryptField(sealKey, body, `${scope}\n${k}`);
  const open = (scope: string, k: string, token: string) => decryptField(sealKey, token, `${scope}\n${k}`);
  app.decorateRequest('callerScope', function (this: FastifyRequest) {
    return `anon:${this.ip}`;
  });

  // Callback-style hooks with a synchronous fast path: most requests carry no key.
  app.addHook('preHandler', (req, reply, done) => {
    if (req.method !== 'POST' || req.headers['idempotency-key'] === undefined) return done();
    if (req.routeOptions.config?.idempotent === false) return done();
    claim(req, reply).then(
      (replayed) => {
        if (!replayed) done();
      },
      (err: Error) => done(err),
    );
  });

  /** Returns true when a stored response was replayed (the request is answered). */
  async function claim(req: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    const raw = req.headers['idempotency-key'];
    const key = Array.isArray(raw) ? raw[0] : raw;
    if (!key || !KEY_RE.test(key)) throw new BadRequestError('invalid-idempotency-key');
    const scope = req.callerScope();
    const hash = requestHash(req);
    const path = req.routeOptions.url ?? req.url;

    for (let attempt = 0; attempt < 3; attempt++) {
      const inserted = await db
        .insert(idempotencyKeys)
        .values({
          scope,
          key,
          method: req.method,
          path,
          requestHash: hash,
          state: 'in_flight',
          expiresAt: sql`now() + make_interval(hours => ${TTL_HOURS})`,
        })
        .onConflictDoNothing()
        .returning({ key: idempotencyKeys.key });
      if (inserted.length) {
        req.idempotency = { scope, key };
        return false;
      }
      const [row] = await db
        .select({
          requestHash: idempotencyKeys.requestHash,
          state: idempotencyKeys.state,
          responseStatus: idempotencyKeys.responseStatus,
          responseHeaders: idempotencyKeys.responseHeaders,
          responseBody: idempotencyKeys.responseBody,
          expired: sql<boolean>`${idempotencyKeys.expiresAt} < now()`,
          stale: sql<boolean>`${idempotencyKeys.lockedAt} < now() - make_interval(secs => ${STALE_SECONDS})`,
        })
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
      if (!row) continue; // deleted meanwhile: try to insert again
      if (row.expired) {
        await db
          .delete(idempotencyKeys)
          .where(
            and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key), sql`expires_at < now()`),
          );
        continue;
      }
      if (row.requestHash !== hash) throw new UnprocessableError('idempotency-key-reused');
      if (row.state === 'in_flight') {
        if (!row.stale) throw new ConflictError('idempotency-key-in-flight');
        const taken = await db
          .update(idempotencyKeys)
          .set({ lockedAt: sql`now()` })
          .where(
            and(
              eq(idempotencyKeys.scope, scope),
              eq(idempotencyKeys.key, key),
              eq(idempotencyKeys.state, 'in_flight'),
              sql`locked_at < now() - make_interval(secs => ${STALE_SECONDS})`,
            ),
          )
          .returning({ key: idempotencyKeys.key });
        if (!taken.length) throw new ConflictError('idempotency-key-in-flight');
        req.idempotency = { scope, key };
        return false;
      }
      const headers = (row.responseHeaders ?? {}) as Record<string, string>;
      for (const [h, v] of Object.entries(headers)) reply.header(h, v);
      reply.header('idempotent-replayed', 'true');
      reply.code(row.responseStatus ?? 200).send(row.responseBody ? open(scope, key, row.responseBody) : '');
      return true;
    }
    throw new ConflictError('idempotency-key-in-flight');
  }

  app.addHook('onSend', (req, reply, payload, done) => {
    if (!req.idempotency) return done(null, payload);
    store(req, reply, payload).then(
      () => done(null, payload),
      () => done(null, payload),
    );
  });

  async function store(req: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<void> {
    const ctx = req.idempotency;
    if (!ctx) return;
    req.idempotency = undefined;
    const where = and(eq(idempotencyKeys.scope, ctx.scope), eq(idempotencyKeys.key, ctx.key));
    try {
      if (
        reply.statusCode >= 500 ||
        (typeof payload !== 'string' && !Buffer.isBuffer(payload) && payload != null)
      ) {
        await db.delete(idempotencyKeys).where(where);
        return;
      }
      const headers: Record<string, string> = {};
      for (const h of REPLAY_HEADERS) {
        const v = reply.getHeader(h);
        if (v !== undefined) headers[h] = String(v);
      }
      await db
        .update(idempotencyKeys)
        .set({
          state: 'done',
          responseStatus: reply.statusCode,
          responseHeaders: headers,
          responseBody: seal(ctx.scope, ctx.key, payload == null ? '' : String(payload)),
        })
        .where(where);
    } catch (err) {
      req.log.error({ err }, 'could not store idempotent response');
    }
  }
}

// Not encapsulated: the hooks apply to every route of the app.
export const idempotencyPlugin = fp(idempotency, { name: 'techex-idempotency' });

/** Keys past their 24 hours are deleted by the platform maintenance job. */
export async function pruneIdempotencyKeys(db: Db): Promise<number> {
  const res = await db.delete(idempotencyKeys).where(sql`expires_at < now()`);
  return res.rowCount ?? 0;
}
