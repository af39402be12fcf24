import { and, eq, lt, sql } from 'drizzle-orm';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Db } from '../../../platform/db.js';
import {
  type AccessTokenVerifier,
  jwtFromValue,
  jwtPayload,
  markAccessTokenRevoked,
} from './access-tokens.js';
import { clientMetadata } from './clients.js';
import { oidcPayloads } from './schema.js';

/**
 * oidc-provider storage on PostgreSQL (its Adapter interface): one row per artefact in
 * `oidc_payloads`, keyed by (model, id). Expiry is enforced here as well as by the provider,
 * so a row past `expires_at` is simply not found. Clients come from `oauth_clients` instead.
 */
export class PgAdapter implements Adapter {
  constructor(
    private readonly db: Db,
    private readonly model: string,
    /** Verifies the API's JWT access tokens, which are issued without being stored. */
    private readonly verifyJwt?: AccessTokenVerifier,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const expiresAt = expiresIn ? new Date(Date.now() + expiresIn * 1000) : null;
    const row = {
      model: this.model,
      id,
      payload: payload as object,
      grantId: payload.grantId ?? null,
      userCode: payload.userCode ?? null,
      uid: payload.uid ?? null,
      accountId: payload.accountId ?? null,
      expiresAt,
    };
    await this.db
      .insert(oidcPayloads)
      .values(row)
      .onConflictDoUpdate({
        target: [oidcPayloads.model, oidcPayloads.id],
        set: {
          payload: row.payload,
          grantId: row.grantId,
          userCode: row.userCode,
          uid: row.uid,
          accountId: row.accountId,
          expiresAt,
        },
      });
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    if (this.model === 'Client') return clientMetadata(this.db, id);
    if (this.verifyJwt && jwtFromValue(id)) return jwtPayload(this.db, this.verifyJwt, this.model, id);
    return this.findWhere(eq(oidcPayloads.id, id));
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.findWhere(eq(oidcPayloads.uid, uid));
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.findWhere(eq(oidcPayloads.userCode, userCode));
  }

  async consume(id: string): Promise<void> {
    await this.db
      .update(oidcPayloads)
      .set({ consumedAt: sql`now()` })
      .where(and(eq(oidcPayloads.model, this.model), eq(oidcPayloads.id, id)));
  }

  async destroy(id: string): Promise<void> {
    // An access token revoked on its own: a JWT is not stored, so remember its id until it expires.
    if (this.model === 'AccessToken' || this.model === 'ClientCredentials')
      await markAccessTokenRevoked(this.db, id);
    await this.db
      .delete(oidcPayloads)
      .where(and(eq(oidcPayloads.model, this.model), eq(oidcPayloads.id, id)));
  }

  /** Every artefact of a grant, whatever its model (codes, refresh and access tokens, …). */
  async revokeByGrantId(grantId: string): Promise<void> {
    await revokeGrant(this.db, grantId);
  }

  private async findWhere(cond: ReturnType<typeof eq>): Promise<AdapterPayload | undefined> {
    const [row] = await this.db
      .select({ payload: oidcPayloads.payload, consumedAt: oidcPayloads.consumedAt })
      .from(oidcPayloads)
      .where(
        and(
          eq(oidcPayloads.model, this.model),
          cond,
          sql`(${oidcPayloads.expiresAt} IS NULL OR ${oidcPayloads.expiresAt} > now())`,
        ),
      )
      .limit(1);
    if (!row) return undefined;
    const payload = row.payload as AdapterPayload;
    return row.consumedAt ? { ...payload, consumed: Math.floor(row.consumedAt.getTime() / 1000) } : payload;
  }
}

/** Deletes a grant and everything issued under it (and our organisation choice for it). */
export async function revokeGrant(db: Db, grantId: string): Promise<void> {
  await db.delete(oidcPayloads).where(eq(oidcPayloads.grantId, grantId));
  await db.delete(oidcPayloads).where(and(eq(oidcPayloads.model, 'Grant'), eq(oidcPayloads.id, grantId)));
}

/** Removes expired rows; safe to call from any maintenance loop. */
export async function pruneOidcPayloads(db: Db): Promise<number> {
  const rows = await db
    .delete(oidcPayloads)
    .where(lt(oidcPayloads.expiresAt, sql`now() - interval '1 hour'`))
    .returning({ id: oidcPayloads.id });
  return rows.length;
}

/**
 * The organisation a user chose to act for under one grant. Stored beside the grant's
 * artefacts (same grant_id), so revoking the grant removes it too.
 */
const GRANT_ORG_MODEL = 'TechexGrantOrganisation';

export async function setGrantOrganisation(
  db: Db,
  grantId: string,
  organisationId: string | undefined,
  expiresIn: number,
): Promise<void> {
  await new PgAdapter(db, GRANT_ORG_MODEL).upsert(
    grantId,
    { grantId, organisationId } as AdapterPayload,
    expiresIn,
  );
}

export async function grantOrganisation(db: Db, grantId: string | undefined): Promise<string | undefined> {
  if (!grantId) return undefined;
  const found = await new PgAdapter(db, GRANT_ORG_MODEL).find(grantId);
  return (found as { organisationId?: string } | undefined)?.organisationId;
}
