import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../../platform/schema.js';
import { createActor, createOrganisation, type TestActor } from '../../test/actors.js';
import { createWorld, type World } from '../../test/fixtures/interests.js';
import { webhookEvents } from '../integration/schema.js';
import { financingRoutes } from './routes.js';

/** A roadshow edited and cancelled by its organiser before it starts; its participants are told. */
let w: World;
let organiser: TestActor;
let investor: TestActor;
let strangerAdmin: TestActor;
/** The accepted presentation of the last roadshow made by `roadshowWithParticipants`. */
let lastPresentation = '';

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT';
const req = (method: Method, url: string, actor?: TestActor, payload?: object) =>
  w.app.inject({ method, url, headers: actor?.headers ?? {}, ...(payload ? { payload } : {}) });
const ok = async (status: number, method: Method, url: string, actor?: TestActor, payload?: object) => {
  const res = await req(method, url, actor, payload);
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(status);
  return res.json();
};
const inDays = (days: number, hour = 1) =>
  new Date(
    Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + days, hour),
  ).toISOString();

beforeAll(async () => {
  w = await createWorld([financingRoutes]);
  investor = await createActor(w.ctx, { organisation: w.ent, orgRole: 'org_admin' });
  organiser = await createActor(w.ctx, {
    organisation: await createOrganisation(w.ctx, { verified: true }),
    orgRole: 'org_admin',
  });
  strangerAdmin = await createActor(w.ctx, {
    organisation: await createOrganisation(w.ctx, { verified: true }),
    orgRole: 'org_admin',
  });
  await ok(200, 'PUT', `/v1/investors/${w.ent.id}`, investor, {
    stages: ['angel'],
    fields: ['01'],
    ticketMinFen: 1_000_000_00,
    ticketMaxFen: 10_000_000_00,
  });
});
afterAll(async () => {
  await w?.close();
});

/** A scheduled roadshow in `days` days, with the enterprise registered as investor and the university presenting. */
async function roadshowWithParticipants(days: number) {
  const created = await ok(201, 'POST', '/v1/roadshows', organiser, {
    title: '生物医药专场路演',
    startsAt: inDays(days, 1),
    endsAt: inDays(days, 4),
    mode: 'offline',
    place: '苏州工业园区',
  });
  await ok(200, 'POST', `/v1/roadshows/${created.id}/investors`, investor);
  const p = await ok(201, 'POST', `/v1/roadshows/${created.id}/presentations`, w.owner, {
    title: '新型疫苗佐剂',
    stage: 'angel',
    fields: ['01'],
  });
  await ok(200, 'POST', `/v1/roadshows/${created.id}/presentations/${p.id}/decision`, organiser, {
    decision: 'accept',
  });
  lastPresentation = p.id as string;
  return created.id as string;
}

const inbox = async (who: TestActor, kind: string, roadshowId: string) => {
  const page = await ok(200, 'GET', '/v1/notifications?limit=100', who);
  return page.items.filter(
    (n: { kind: string; data: { roadshowId?: string } }) =>
      n.kind === kind && n.data.roadshowId === roadshowId,
  );
};

describe('editing a roadshow', () => {
  it('lets the organiser change what was sent, checks the result, audits it and tells the participants', async () => {
    const id = await roadshowWithParticipants(30);
    const patch = { title: '生物医药专场路演（改期）', startsAt: inDays(31, 1), endsAt: inDays(31, 5) };
    // Only the organiser's people (and operators) edit; a stranger may read it but is refused.
    expect((await req('PATCH', `/v1/roadshows/${id}`, undefined, patch)).statusCode).toBe(401);
    expect((await req('PATCH', `/v1/roadshows/${id}`, strangerAdmin, patch)).statusCode).toBe(403);
    expect((await req('PATCH', `/v1/roadshows/${id}`, investor, patch)).statusCode).toBe(403);
    // Bad edits are problems, and change nothing.
    const empty = await req('PATCH', `/v1/roadshows/${id}`, organiser, {});
    expect(empty.statusCode).toBe(400);
    expect(empty.headers['content-type']).toMatch(/application\/problem\+json/);
    const reversed = await req('PATCH', `/v1/roadshows/${id}`, organiser, { endsAt: inDays(29) });
    expect(reversed.statusCode).toBe(400);
    expect(reversed.json().errors).toEqual([
      expect.objectContaining({ field: 'body/endsAt', code: 'range' }),
    ]);
    const past = await req('PATCH', `/v1/roadshows/${id}`, organiser, { startsAt: inDays(-2) });
    expect(past.statusCode).toBe(400);
    expect(past.json().errors).toEqual([expect.objectContaining({ field: 'body/startsAt', code: 'past' })]);
    const online = await req('PATCH', `/v1/roadshows/${id}`, organiser, { mode: 'online' });
    expect(online.json().errors).toEqual([expect.objectContaining({ field: 'body/url', code: 'required' })]);
    expect((await ok(200, 'GET', `/v1/roadshows/${id}`)).title).toBe('生物医药专场路演');

    const edited = await ok(200, 'PATCH', `/v1/roadshows/${id}`, organiser, patch);
    expect(edited).toMatchObject({
      ...patch,
      status: 'scheduled',
      place: '苏州工业园区',
      cancelReason: null,
    });
    const [event] = await w.ctx.database.db
      .select()
      .from(webhookEvents)
      .where(eq(webhookEvents.subjectId, id))
      .then((rows) => rows.filter((e) => e.type === 'roadshow.updated'));
    expect(event!.data).toMatchObject({ roadshowId: id, changedFields: ['title', 'startsAt', 'endsAt'] });
    expect(new Set(event!.organisationIds)).toEqual(
      new Set([edited.organiserOrganisationId, w.ent.id, w.uni.id]),
    );
    const audit = await w.ctx.database.db.select().from(auditEvents).where(eq(auditEvents.objectId, id));
    const updated = audit.find((a) => a.action === 'roadshow.updated');
    expect(updated?.before).toMatchObject({ title: '生物医药专场路演' });
    // The registered investor and the presenter are told; the organiser acted and is not.
    expect(await inbox(investor, 'roadshow.updated', id)).toHaveLength(1);
    expect(await inbox(w.owner, 'roadshow.updated', id)).toHaveLength(1);
    expect(await inbox(organiser, 'roadshow.updated', id)).toHaveLength(0);
    // The same values again change nothing and tell no one.
    await ok(200, 'PATCH', `/v1/roadshows/${id}`, organiser, patch);
    expect(await inbox(investor, 'roadshow.updated', id)).toHaveLength(1);
  });

  it('is refused once the roadshow has started', async () => {
    const started = await ok(201, 'POST', '/v1/roadshows', organiser, {
      title: '进行中的路演',
      startsAt: new Date(Date.now() - 3600_000).toISOString(),
      endsAt: inDays(1),
      mode: 'online',
      url: 'https://live.example.com/now',
    });
    const res = await req('PATCH', `/v1/roadshows/${started.id}`, organiser, { title: '改名' });
    expect(res.statusCode).toBe(409);
    expect(res.json().type).toBe('/problems/financing-roadshow-started');
    const cancel = await req('POST', `/v1/roadshows/${started.id}/cancel`, organiser, { reason: '取消' });
    expect(cancel.statusCode).toBe(409);
    expect(cancel.json().type).toBe('/problems/financing-roadshow-started');
  });
});

describe('cancelling a roadshow', () => {
  it('needs a reason, closes registrations, tells the participants and cannot be undone', async () => {
    const id = await roadshowWithParticipants(40);
    expect((await req('POST', `/v1/roadshows/${id}/cancel`, organiser, {})).statusCode).toBe(400);
    expect((await req('POST', `/v1/roadshows/${id}/cancel`, organiser, { reason: '  ' })).statusCode).toBe(
      400,
    );
    expect(
      (await req('POST', `/v1/roadshows/${id}/cancel`, w.owner, { reason: '不想办了' })).statusCode,
    ).toBe(403);
    const cancelled = await ok(200, 'POST', `/v1/roadshows/${id}/cancel`, organiser, {
      reason: '场地临时不可用',
    });
    expect(cancelled).toMatchObject({ status: 'cancelled', cancelReason: '场地临时不可用' });
    expect(cancelled.cancelledAt).toEqual(expect.any(String));
    // Registrations are closed.
    const apply = await req('POST', `/v1/roadshows/${id}/presentations`, strangerAdmin, {
      title: '迟到的项目',
      stage: 'a',
      fields: ['02'],
    });
    expect(apply.statusCode).toBe(409);
    expect(apply.json().type).toBe('/problems/financing-roadshow-cancelled');
    const interest = await req('POST', '/v1/investment-interests', investor, {
      presentationId: lastPresentation,
      message: '有意投资',
      contact: { name: '陈总', phone: '13700001234' },
    });
    expect(interest.statusCode).toBe(409);
    expect(interest.json().type).toBe('/problems/financing-roadshow-cancelled');
    // Neither an edit nor a second cancel: the state table says what is allowed (nothing).
    const again = await req('POST', `/v1/roadshows/${id}/cancel`, organiser, { reason: '再次取消' });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ type: '/problems/invalid-transition', allowedActions: [] });
    expect((await req('PATCH', `/v1/roadshows/${id}`, organiser, { title: '复活' })).statusCode).toBe(409);
    // Participants are told; upcoming lists leave it out, the roadshow itself shows why.
    expect(await inbox(investor, 'roadshow.cancelled', id)).toHaveLength(1);
    expect(await inbox(w.owner, 'roadshow.cancelled', id)).toHaveLength(1);
    const upcoming = await ok(200, 'GET', '/v1/roadshows?upcoming=true&limit=100');
    expect(upcoming.items.map((x: { id: string }) => x.id)).not.toContain(id);
    expect((await ok(200, 'GET', `/v1/roadshows/${id}`)).cancelReason).toBe('场地临时不可用');
    const events = await w.ctx.database.db
      .select()
      .from(webhookEvents)
      .where(eq(webhookEvents.subjectId, id));
    expect(events.find((e) => e.type === 'roadshow.cancelled')?.data).toEqual({
      roadshowId: id,
      status: 'cancelled',
    });
  });

  it('closes investor registration too', async () => {
    const created = await ok(201, 'POST', '/v1/roadshows', organiser, {
      title: '将取消的路演',
      startsAt: inDays(50),
      endsAt: inDays(50, 3),
      mode: 'online',
      url: 'https://live.example.com/x',
    });
    await ok(200, 'POST', `/v1/roadshows/${created.id}/cancel`, organiser, { reason: '主办方调整' });
    const res = await req('POST', `/v1/roadshows/${created.id}/investors`, investor);
    expect(res.statusCode).toBe(409);
    expect(res.json().type).toBe('/problems/financing-roadshow-cancelled');
  });
});
