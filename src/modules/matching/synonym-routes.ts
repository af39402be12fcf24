import type { FastifyInstance } from 'fastify';
import { recordAudit } from '../../platform/audit.js';
import { authorize, definePolicies } from '../../platform/authz.js';
import { ValidationError } from '../../platform/errors.js';
import { bindOperations } from '../../platform/http/operations.js';
import type { ModuleContext } from '../../platform/module.js';
import { enqueueInTx } from '../../platform/outbox.js';
import { isOperator, type Principal } from '../../platform/principal.js';
import { searchEngineFor } from './engine-instance.js';
import { SYNONYMS_CHANGED_QUEUE } from './indexer.js';
import {
  lockThesaurus,
  readThesaurus,
  type StoredThesaurus,
  storeThesaurus,
  syncSynonyms,
  thesaurusSize,
} from './synonym-store.js';
import { validateGroups } from './synonyms.js';

/** The operators' synonym thesaurus (同义词表) of search and matching. */
definePolicies({
  'synonyms.read': (p: Principal | undefined, _: null) => isOperator(p),
  'synonyms.replace': (p: Principal | undefined, _: null) => isOperator(p),
});

const toBody = (t: StoredThesaurus) => ({
  groups: t.groups,
  source: t.source,
  updatedAt: t.updatedAt?.toISOString() ?? null,
});

/** `groups[3].terms[1]` (synonyms.ts) as the API's field paths (`body/groups/3/terms/1`). */
const fieldPath = (field: string) => field.replace(/\[(\d+)\]/g, '/$1').replace(/\./g, '/');

export async function synonymRoutes(app: FastifyInstance, ctx: ModuleContext): Promise<void> {
  const { db } = ctx.database;
  // the search engine's namespace (createSearchEngine's default)
  const namespace = ctx.config.queuePrefix;

  bindOperations(app, {
    getSynonymThesaurus: async (req) => {
      authorize(req.principal, 'synonyms.read', null);
      return toBody(await readThesaurus(db, namespace));
    },
    replaceSynonymThesaurus: async (req) => {
      authorize(req.principal, 'synonyms.replace', null);
      const checked = validateGroups(req.body.groups, 'body/groups');
      if (!checked.ok) {
        throw new ValidationError(checked.errors.map((e) => ({ ...e, field: fieldPath(e.field) })));
      }
      const p = req.principal!;
      // The change commits first, with its audit entry and a versioned job that applies it to the
      // engine (durable: retried while the engine is away). No transaction is open while the
      // engine works; it is applied here too so the response's thesaurus is already searched
      // with, and syncSynonyms re-reads after writing, so of two replacements the newer wins.
      await db.transaction(async (tx) => {
        await lockThesaurus(tx, namespace);
        const before = await readThesaurus(tx, namespace);
        await storeThesaurus(tx, namespace, checked.groups);
        await recordAudit(tx, {
          actor: { type: p.kind, id: p.id, organisationId: p.organisationId },
          action: 'synonyms.replaced',
          objectType: 'synonym_thesaurus',
          objectId: namespace,
          before: { ...thesaurusSize(before.groups), source: before.source },
          after: thesaurusSize(checked.groups),
          requestId: req.id,
        });
        const { updatedAt } = await readThesaurus(tx, namespace);
        await enqueueInTx(
          tx,
          SYNONYMS_CHANGED_QUEUE,
          { namespace },
          { jobId: `synonyms-${namespace}-${updatedAt?.getTime() ?? Date.now()}` },
        );
      });
      ctx.outbox.kick();
      try {
        await syncSynonyms(await searchEngineFor(ctx), db, namespace);
      } catch (err) {
        req.log.warn({ err }, 'thesaurus stored; the search engine gets it when its job is retried');
      }
      return toBody(await readThesaurus(db, namespace));
    },
  });
}
