import Fastify from 'fastify';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { components } from '../../../openapi/schema.js';
import {
  type BodyOf,
  bindOperations,
  type Handler,
  type Handlers,
  type ParamsOf,
  type QueryOf,
  type ReplyOf,
} from './operations.js';

/**
 * Handlers are typed by the generated contract (openapi/schema.d.ts). The type-level assertions
 * below are checked by `npm run typecheck` (tsc compiles the tests): each `@ts-expect-error` fails
 * the typecheck as soon as the line it marks compiles, i.e. when a wrong body or reply is accepted.
 */
type Schemas = components['schemas'];

describe('contract-typed handlers', () => {
  it('take params, query, body and reply from the operation', () => {
    expectTypeOf<BodyOf<'createAchievement'>>().toEqualTypeOf<Schemas['AchievementInput']>();
    expectTypeOf<ReplyOf<'createAchievement'>>().toEqualTypeOf<Schemas['Achievement']>();
    expectTypeOf<ParamsOf<'getOrganisation'>>().toEqualTypeOf<{ organisationId: string }>();
    expectTypeOf<QueryOf<'listOrganisations'>['limit']>().toEqualTypeOf<number | undefined>();
    // An operation without path parameters or body leaves them undeclared, as Fastify does.
    expectTypeOf<ParamsOf<'createAchievement'>>().toEqualTypeOf<unknown>();
    expectTypeOf<BodyOf<'getOrganisation'>>().toEqualTypeOf<unknown>();
    // 204: nothing to answer.
    expectTypeOf<ReplyOf<'revokeMySession'>>().toEqualTypeOf<undefined>();
    // A JSON body declared for a non-success status (the 503 of /healthz) may be sent too.
    expectTypeOf<ReplyOf<'getHealth'>>().toEqualTypeOf<Schemas['Health']>();
  });

  it('reject a handler that reads a body field the contract does not have', () => {
    const handler: Handler<'createAchievement'> = (req) => {
      expectTypeOf(req.body.title).toEqualTypeOf<string>();
      // @ts-expect-error `budget` is not a member of AchievementInput
      void req.body.budget;
      return undefined;
    };
    expect(handler).toBeTypeOf('function');
  });

  it('reject a reply the contract does not declare', () => {
    const achievement = {} as Schemas['Achievement'];
    const handlers: Handlers = {
      getAchievement: async () => achievement,
      // @ts-expect-error an Achievement is not a Need
      getNeed: async () => achievement,
      // @ts-expect-error a wrong member type in the answer
      getOrganisation: async () => ({ ...({} as Schemas['Organisation']), name: 42 }),
      createAchievement: async (_req, reply) =>
        // @ts-expect-error reply.send is checked against the operation's payloads too
        reply.code(201).send({ id: 'x' }),
      createNeed: async (_req, reply) => reply.code(201).send({} as Schemas['Need']),
    };
    expect(Object.keys(handlers)).toHaveLength(5);
  });

  it('reject a handler for an operation the contract does not have', () => {
    const handlers: Handlers = {
      // @ts-expect-error no such operationId in openapi/openapi.yaml
      createAchievment: async () => undefined,
    };
    // ...and bindOperations refuses it at start-up as well.
    const app = Fastify();
    app.decorate('boundOperations', new Set<string>());
    expect(() => bindOperations(app, handlers)).toThrow(/unknown operation createAchievment/);
  });
});
