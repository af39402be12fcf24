import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../platform/db.js';
import { newId } from '../../platform/ids.js';
import { createClientActor, createOrganisation, type TestActor } from '../../test/actors.js';
import { useTestApp } from '../../test/app.js';
import {
  createServicesWorld,
  injector,
  orderFrom,
  publishedOffering,
  type ServicesWorld,
} from '../../test/fixtures/services.js';
import { eventually } from '../../test/wait.js';
import { catalogModule } from '../catalog/module.js';
import { offeringChanged, orderChanged } from './feed.js';
import { servicesModule } from './module.js';

/** The services module's rows in `GET /v1/changes`: offerings public, requests and orders private. */
const t = useTestApp([catalogModule.routes!, servicesModule.routes!], {
  outboxQueues: ['services-feed-tests-dispatch-nothing'],
});
const req = injector(() => t.app);
let w: ServicesWorld;
/** Partner systems: machine clients of the buyer, the institution and a third organisation. */
let buyerClient: TestActor;
let institutionClient: TestActor;
let strangerClient: TestActor;
const ALL = 'types=achievement,need,service_offering,service_request,service_order';

interface Change {
  type: string;
  id: string;
  change: string;
  version: number;
}

/** Every change after `cursor` the caller's feed shows (all pages). */
async function readAll(who: TestActor, cursor: string, types = ALL) {
  const items: Change[] = [];
  for (;;) {
    const res = await req(who, 'GET', `/v1/changes?${types}&limit=100&cursor=${encodeURIComponent(cursor)}`);
    expect(res.statusCode, res.body).toBe(200);
    const page = res.json() as { items: Change[]; nextCursor: string };
    items.push(...page.items);
    cursor = page.nextCursor;
    if (!page.items.length) return { items, cursor };
  }
}

/** The feed's current end, so a test only looks at its own changes. */
async function end(who: TestActor) {
  const first = await req(who, 'GET', `/v1/changes?${ALL}&limit=100`);
  return (await readAll(who, first.json().nextCursor as string)).cursor;
}

const about = (items: Change[], ids: string[]) =>
  items.filter((c) => ids.includes(c.id)).map((c) => `${c.type}:${c.change}:${c.version}`);

let writer: Database;

beforeAll(async () => {
  w = await createServicesWorld(t.ctx);
  writer = createDatabase(t.ctx.config.databaseUrl!, { max: 2 });
  buyerClient = await createClientActor(t.ctx, w.buyerOrg, ['changes:read']);
  institutionClient = await createClientActor(t.ctx, w.institutionOrg, ['changes:read']);
  strangerClient = await createClientActor(t.ctx, await createOrganisation(t.ctx, { verified: true }), [
    'changes:read',
  ]);
});

afterAll(async () => {
  await writer?.close();
});

describe('services in the change feed', () => {
  it('shows offerings to everyone and requests and orders only to the organisations party to them', async () => {
    const start = {
      buyer: await end(buyerClient),
      institution: await end(institutionClient),
      stranger: await end(strangerClient),
    };
    const { id: offeringId } = await publishedOffering(req, w);
    const { requestId, order } = await orderFrom(req, w, offeringId);
    const started = await req(w.institution, 'POST', `/v1/service-orders/${order.id}/start`, {});
    expect(started.statusCode, started.body).toBe(200);
    const ids = [offeringId, requestId, order.id as string];

    // Commit-safe reading: a change shows once every older transaction has finished.
    const buyerSees = await eventually('the buyer’s changes', async () => {
      const { items } = await readAll(buyerClient, start.buyer);
      return items.some((c) => c.id === order.id && c.change === 'started') && items;
    });
    expect(about(buyerSees, ids)).toEqual([
      'service_offering:published:1',
      'service_request:created:1',
      'service_request:quoted:2',
      'service_order:created:1',
      'service_request:ordered:3',
      'service_order:started:2',
    ]);
    // The institution sees the request from its quote on, and the order.
    const { items: institutionSees } = await readAll(institutionClient, start.institution);
    expect(about(institutionSees, ids)).toEqual([
      'service_offering:published:1',
      'service_request:quoted:2',
      'service_order:created:1',
      'service_request:ordered:3',
      'service_order:started:2',
    ]);
    // Another organisation sees the public offering, never the others' request or order.
    const { items: strangerSees } = await readAll(strangerClient, start.stranger);
    expect(about(strangerSees, ids)).toEqual(['service_offering:published:1']);
    expect(strangerSees.some((c) => c.type === 'service_request' || c.type === 'service_order')).toBe(false);
    // Without `types=` the feed keeps its first contract: listings only.
    const { items: plain } = await readAll(buyerClient, start.buyer, 'types=achievement,need');
    expect(plain.filter((c) => c.type.startsWith('service_'))).toEqual([]);
  });

  it('shows a published offering withdrawn; an offering never published stays out', async () => {
    const start = await end(strangerClient);
    const { id: published } = await publishedOffering(req, w);
    const withdrawn = await req(w.institution, 'POST', `/v1/service-offerings/${published}/withdraw`, {});
    expect(withdrawn.statusCode, withdrawn.body).toBe(200);
    const draft = await req(w.institution, 'POST', '/v1/service-offerings', {
      kind: 'incubation',
      title: '创业孵化服务',
      description: '入驻孵化与创业辅导',
      priceModel: 'quote',
      turnaroundDays: 20,
    });
    expect(draft.statusCode, draft.body).toBe(201);
    const draftId = draft.json().id as string;
    expect((await req(w.institution, 'POST', `/v1/service-offerings/${draftId}/submit`, {})).statusCode).toBe(
      200,
    );
    expect(
      (await req(w.institution, 'POST', `/v1/service-offerings/${draftId}/withdraw`, {})).statusCode,
    ).toBe(200);
    const seen = await eventually('the withdrawal', async () => {
      const { items } = await readAll(strangerClient, start, 'types=service_offering');
      return items.some((c) => c.id === published && c.change === 'withdrawn') && items;
    });
    expect(about(seen, [published, draftId])).toEqual([
      'service_offering:published:1',
      'service_offering:withdrawn:2',
    ]);
  });

  it('never lets a reader pass a private change that commits late', async () => {
    const start = await end(buyerClient);
    const order = {
      id: newId(),
      buyerOrganisationId: w.buyerOrg.id,
      institutionOrganisationId: w.institutionOrg.id,
    };
    const offeringId = newId();
    // A writer on its own connection records an order step and holds its transaction open...
    let commit!: () => void;
    const held = new Promise<void>((resolve) => {
      commit = resolve;
    });
    let recorded!: () => void;
    const written = new Promise<void>((resolve) => {
      recorded = resolve;
    });
    const late = writer.db.transaction(async (tx) => {
      await orderChanged(tx, order, 'started');
      recorded();
      await held;
    });
    await written;
    // ...while a later transaction commits a public change.
    await t.ctx.database.db.transaction((tx) => offeringChanged(tx, offeringId, 'published'));
    // Whatever the reader polls now, the later change stays back behind the open one.
    const { items: before, cursor } = await readAll(buyerClient, start);
    expect(about(before, [order.id, offeringId])).toEqual([]);
    commit();
    await late;
    const after = await eventually('both changes', async () => {
      const { items } = await readAll(buyerClient, cursor);
      return about(items, [order.id, offeringId]).length === 2 && items;
    });
    expect(about(after, [order.id, offeringId])).toEqual([
      'service_order:started:1',
      'service_offering:published:1',
    ]);
    // The private one is the buyer's and the institution's only.
    const { items: stranger } = await readAll(strangerClient, cursor);
    expect(about(stranger, [order.id, offeringId])).toEqual(['service_offering:published:1']);
  });

  it('refuses an unknown type with a problem', async () => {
    const res = await req(buyerClient, 'GET', '/v1/changes?types=service_offering,contract');
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  });
});
