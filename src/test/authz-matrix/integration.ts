/** Webhook rows: a subscription of O1 (its admin made it), with one delivery. */
import { webhook } from './objects.js';
import { anyone, cells, type Expectations, type MatrixRow, signedIn } from './types.js';
import type { World } from './world.js';

const shared = (w: World) => w.once('webhook', () => webhook(w));
const sub = (o: Record<string, string>) => ({ subscriptionId: o.id! });
/** A subscription is its organisation's: anyone else is shown nothing. */
const owned = (named: Partial<Expectations>) => cells(404, { anonymous: 401, clientNoScope: 403, ...named });
/** Members may look; changing is for the organisation's admin and its client. */
const read = owned({ member: 200, orgAdmin: 200, client: 200 });
const manage = (status: number) => owned({ member: 403, orgAdmin: status, client: status });

export const integrationRows: MatrixRow[] = [
  { op: 'listWebhookEventTypes', expect: anyone(200) },
  {
    op: 'listWebhookSubscriptions',
    query: () => 'limit=5',
    expect: signedIn(200),
    note: 'leaks: see the list checks',
  },
  {
    op: 'createWebhookSubscription',
    body: (_o, w) => ({ url: `http://127.0.0.1:9/${w.secret('new-hook')}`, eventTypes: ['need.*'] }),
    // Plain members of an organisation may not; people without one subscribe for themselves.
    expect: signedIn(201, { member: 403, stranger: 403 }),
  },
  { op: 'getWebhookSubscription', object: shared, params: sub, expect: read },
  {
    op: 'updateWebhookSubscription',
    object: webhook,
    fresh: true,
    params: sub,
    body: () => ({ description: '矩阵改过的订阅' }),
    expect: manage(200),
  },
  { op: 'deleteWebhookSubscription', object: webhook, fresh: true, params: sub, expect: manage(204) },
  { op: 'rotateWebhookSecret', object: webhook, fresh: true, params: sub, expect: manage(200) },
  { op: 'listWebhookDeliveries', object: shared, params: sub, expect: read },
  {
    op: 'redeliverWebhook',
    object: webhook,
    fresh: true,
    params: (o) => ({ subscriptionId: o.id!, deliveryId: o.deliveryId! }),
    expect: manage(202),
  },
  {
    op: 'redeliverWebhook',
    variant: "O1's subscription, O2's delivery",
    object: async (w) => {
      const theirs = await w.once('webhook:o2', () => webhook(w, 'o2'));
      return { ...(await shared(w)), deliveryId: theirs.deliveryId! };
    },
    params: (o) => ({ subscriptionId: o.id!, deliveryId: o.deliveryId! }),
    expect: manage(404),
    note: "another subscription's delivery is no delivery of this one",
  },
  { op: 'listIntegrationNotifications', query: () => 'limit=5', expect: signedIn(200) },
];
