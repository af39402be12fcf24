import type { FastifyInstance, FastifyRequest } from 'fastify';
import { recordAudit } from '../../platform/audit.js';
import { authorize, definePolicies } from '../../platform/authz.js';
import { ValidationError } from '../../platform/errors.js';
import type { ModuleContext } from '../../platform/http/app.js';
import { bindOperations } from '../../platform/http/operations.js';
import { isOperator, type Principal } from '../../platform/principal.js';
import { searchEngineFor } from './engine-instance.js';
import {
  lockThesaurus,
  readThesaurus,
  type StoredThesaurus,
  storeThesaurus,
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
    getSynonymThesaurus: async (req: FastifyRequest) => {
      authorize(req.principal, 'synonyms.read', null);
      return toBody(await readThesaurus(db, namespace));
    },
    replaceSynonymThesaurus: async (req: FastifyRequest<{ Body: { groups: unknown } }>) => {
      authorize(req.principal, 'synonyms.replace', null);
      const checked = validateGroups(req.body.groups, 'body/groups');
      if (!checked.ok) {
        throw new ValidationError(checked.errors.map((e) => ({ ...e, field: fieldPath(e.field) })));
      }
      const engine = await searchEngineFor(ctx);
      const p = req.principal!;
      // One writer at a time, holding the lock until the engine has the new groups too: two
      // replacements cannot leave the database with one thesaurus and the engine with the other.
      // The lock's transaction writes nothing; the change commits in its own, with its audit entry.
      await db.transaction(async (lockTx) => {
        await lockThesaurus(lockTx, namespace);
        await db.transaction(async (tx) => {
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
        });
        await engine.setSynonyms(checked.groups);
      });
      return toBody(await readThesaurus(db, namespace));
    },
  });
}
