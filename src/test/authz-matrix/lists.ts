/**
 * What lists and allowed reads leave out: nothing a caller may not see appears in a list, and
 * public reads carry no confidential part or unmasked personal data. Registered by the matrix
 * test (one world per file, so the fixtures are shared).
 */
import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { serviceOrders } from '../../modules/services/schema.js';
import { createActor, createOrganisation, type TestActor } from '../actors.js';
import { application } from '../fixtures/contracts.js';
import { randomCreditCode } from '../ids.js';
import { eventually } from '../wait.js';
import { achievement, evaluation } from './assessments.js';
import { investment, presentation } from './financing.js';
import { manager } from './managers.js';
import { objected } from './notices.js';
import {
  contract,
  hiddenOrganisation,
  listing,
  notification,
  realNameApplication,
  verificationApplication,
  webhook,
} from './objects.js';
import { interest } from './objects-more.js';
import { institution, offering, order, request } from './services.js';
import type { World } from './world.js';

type Who = TestActor | undefined;
/** Every id the caller can list, following the cursor (other rows may have filled page one). */
const ids = async (w: World, who: Who, url: string): Promise<string[]> => {
  const out: string[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 50; page++) {
    const at: string = cursor ? `${url}&cursor=${encodeURIComponent(cursor)}` : url;
    const res = await w.app.inject({ method: 'GET', url: at, headers: who?.headers ?? {} });
    expect(res.statusCode, `${at}: ${res.body}`).toBe(200);
    const body = res.json() as { items: { id: string }[]; nextCursor?: string | null };
    out.push(...body.items.map((i) => i.id));
    cursor = body.nextCursor ?? null;
    if (!cursor) break;
  }
  return out;
};

export function listLeakChecks(world: () => World): void {
  it('catalog lists: drafts only to the owner, submitted ones also to its registrar', async () => {
    const w = world();
    const { users: u } = w;
    for (const kind of ['achievement', 'need'] as const) {
      const draft = await w.once(`${kind}:draft`, () => listing(w, kind, 'draft'));
      const submitted = await w.once(`${kind}:submitted`, () => listing(w, kind, 'submitted'));
      const published = await w.once(`${kind}:published`, () => listing(w, kind, 'published'));
      const url = `/v1/${kind}s?organisationId=${w.o1.id}&limit=100`;
      for (const who of [undefined, u.stranger, u.otherRegistrar]) {
        const seen = await ids(w, who, url);
        expect(seen).toContain(published.id);
        expect(seen).not.toContain(draft.id);
        expect(seen).not.toContain(submitted.id);
        expect(await ids(w, who, `${url}&status=draft`)).toEqual([]);
      }
      const registrar = await ids(w, u.registrar, url);
      expect(registrar).toContain(submitted.id);
      expect(registrar).not.toContain(draft.id);
      expect(await ids(w, u.member, url)).toEqual(expect.arrayContaining([draft.id, submitted.id]));
      // The review queue is the sub-centre's own.
      expect(await ids(w, u.registrar, `/v1/review-queue?kind=${kind}&limit=100`)).toContain(submitted.id);
      expect(await ids(w, u.otherRegistrar, `/v1/review-queue?kind=${kind}&limit=100`)).not.toContain(
        submitted.id,
      );
    }
  });

  it('a published listing shows outsiders no confidential part and no unmasked phone', async () => {
    const w = world();
    const published = await w.once('achievement:published', () => listing(w, 'achievement', 'published'));
    for (const who of [undefined, w.users.stranger, w.users.otherRegistrar]) {
      for (const url of [`/v1/achievements/${published.id}`, `/v1/achievements?organisationId=${w.o1.id}`]) {
        const body = (await w.app.inject({ url, headers: who?.headers ?? {} })).body;
        expect(body).not.toContain('工艺窗口详见技术文件');
        expect(body).not.toContain('13812345678');
      }
    }
  });

  it('version history shows outsiders no confidential part of any version', async () => {
    const w = world();
    const a = await listing(w, 'achievement', 'published');
    const changed = { ...JSON.parse(a.body!), keywords: ['矩阵历史'] };
    await w.as(w.users.member, 'PUT', `/v1/achievements/${a.id}`, changed);
    for (const who of [undefined, w.users.stranger, w.users.otherRegistrar]) {
      const res = await w.app.inject({
        url: `/v1/achievements/${a.id}/versions`,
        headers: who?.headers ?? {},
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().items.length).toBeGreaterThanOrEqual(2);
      expect(res.body).not.toContain('工艺窗口详见技术文件');
      expect(res.body).not.toContain('13812345678');
    }
  });

  it('real-name applications never show the resident ID in full', async () => {
    const w = world();
    const application = await realNameApplication(w);
    for (const who of [w.users.registrar, w.users.operator]) {
      const res = await w.app.inject({ url: '/v1/real-name-applications?limit=100', headers: who.headers });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain(application.id);
      expect(res.body).not.toContain(application.residentId);
    }
  });

  it('contract lists: the applicant side and its registrar only', async () => {
    const w = world();
    const { users: u } = w;
    const draft = await w.once('contract:draft', () => contract(w, 'draft'));
    const submitted = await w.once('contract:submitted', () => contract(w, 'submitted'));
    for (const who of [u.stranger, u.otherRegistrar]) {
      const seen = await ids(w, who, '/v1/contracts?limit=100');
      expect(seen).not.toContain(draft.id);
      expect(seen).not.toContain(submitted.id);
    }
    expect(await ids(w, u.registrar, '/v1/contracts?limit=100')).toContain(submitted.id);
    expect(await ids(w, u.member, '/v1/contracts?limit=100')).toEqual(
      expect.arrayContaining([draft.id, submitted.id]),
    );
  });

  it("webhook subscriptions and the inbox: never another organisation's", async () => {
    const w = world();
    const { users: u } = w;
    const sub = await w.once('webhook', () => webhook(w));
    const note = await w.once('notification', () => notification(w));
    for (const who of [u.stranger, u.registrar, u.operator]) {
      expect(await ids(w, who, '/v1/webhooks/subscriptions?limit=100')).not.toContain(sub.id);
      expect(await ids(w, who, '/v1/notifications?limit=100')).not.toContain(note.id);
    }
    expect(await ids(w, u.member, '/v1/webhooks/subscriptions?limit=100')).toContain(sub.id);
    expect(await ids(w, u.member, '/v1/notifications?limit=100')).toContain(note.id);
  });

  it("a person's own notifications stay out of the organisation's other members' inbox", async () => {
    const w = world();
    const own = await w.once('notification:member', () => notification(w, 'member'));
    expect(await ids(w, w.users.member, '/v1/notifications?limit=100')).toContain(own.id);
    for (const who of [w.users.orgAdmin, w.users.stranger])
      expect(await ids(w, who, '/v1/notifications?limit=100')).not.toContain(own.id);
  });

  it("an Idempotency-Key never replays one caller's answer to another", async () => {
    const w = world();
    const body = application(
      { sellerCode: w.o1.creditCode, subCentre: w.s1 },
      { projectName: w.secret('幂等') },
    );
    const key = `matrix-${w.tag}`;
    const post = (who: TestActor) =>
      w.app.inject({
        method: 'POST',
        url: '/v1/contracts',
        headers: { ...who.headers, 'idempotency-key': key },
        payload: body,
      });
    const first = await post(w.users.member);
    expect(first.statusCode).toBe(201);
    const stranger = await post(w.users.stranger);
    expect(stranger.headers['idempotent-replayed']).toBeUndefined();
    expect(stranger.body).not.toContain(first.json().id);
    // The same organisation's admin gets an answer of its own: the application exists (409
    // contract-duplicate, naming it to its own organisation), not a replay of the member's 201.
    const admin = await post(w.users.orgAdmin);
    expect(admin.headers['idempotent-replayed']).toBeUndefined();
    expect(admin.statusCode).toBe(409);
    expect(admin.json()).toMatchObject({
      type: '/problems/contract-duplicate',
      existing: { id: first.json().id },
    });
  });

  it("interests: listed to their two sides only; a pending one hides the interested party's phone", async () => {
    const w = world();
    const pending = await w.once('interest:pending', () => interest(w, 'pending'));
    for (const who of [w.users.stranger, w.users.registrar, w.users.otherRegistrar])
      expect(await ids(w, who, '/v1/interests?limit=100')).not.toContain(pending.id);
    expect(await ids(w, w.users.member, '/v1/interests?role=received&limit=100')).toContain(pending.id);
    for (const who of [w.users.member, w.users.operator]) {
      const res = await w.app.inject({ url: `/v1/interests/${pending.id}`, headers: who.headers });
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain('13900001111');
    }
  });

  it('organisations: an unverified one is listed only to insiders; outsiders get the public profile', async () => {
    const w = world();
    const { users: u } = w;
    const hidden = await w.once('hiddenOrganisation', () => hiddenOrganisation(w));
    const url = `/v1/organisations?q=${encodeURIComponent(hidden.name!)}&limit=10`;
    for (const who of [undefined, u.stranger, u.member, u.otherRegistrar])
      expect(await ids(w, who, url)).toEqual([]);
    for (const who of [u.registrar, u.operator]) expect(await ids(w, who, url)).toEqual([hidden.id]);
    for (const who of [undefined, u.stranger, u.otherRegistrar]) {
      const res = await w.app.inject({ url: `/v1/organisations/${w.o1.id}`, headers: who?.headers ?? {} });
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain(w.o1.creditCode);
    }
  });

  it("verification applications: a registrar lists its own sub-centre's only", async () => {
    const w = world();
    const app = await w.once('verificationApplication', () => verificationApplication(w));
    expect(await ids(w, w.users.registrar, '/v1/verification-applications?limit=100')).toContain(app.id);
    expect(await ids(w, w.users.otherRegistrar, '/v1/verification-applications?limit=100')).not.toContain(
      app.id,
    );
  });

  it('service offerings: drafts and submitted ones only to their institution', async () => {
    const w = world();
    const { users: u } = w;
    const draft = await w.once('service-offering:draft', () => offering(w, 'draft'));
    const submitted = await w.once('service-offering:submitted', () => offering(w, 'submitted'));
    const published = await w.once('service-offering:published', () => offering(w, 'published'));
    for (const who of [undefined, u.stranger, u.member, u.registrar, u.otherRegistrar]) {
      const seen = await ids(w, who, '/v1/service-offerings?kind=ip_search&limit=100');
      expect(seen).toContain(published.id);
      expect(seen).not.toContain(draft.id);
      expect(seen).not.toContain(submitted.id);
    }
    for (const who of [u.stranger, u.member])
      expect(await ids(w, who, '/v1/service-offerings?mine=true&limit=100')).not.toContain(draft.id);
    const own = await ids(w, await institution(w), '/v1/service-offerings?mine=true&limit=100');
    expect(own).toEqual(expect.arrayContaining([draft.id, submitted.id, published.id]));
  });

  it('service requests and quotes: the requester sees every quote, an institution only its own', async () => {
    const w = world();
    const { users: u } = w;
    const inst = await institution(w);
    const offer = await w.once('service-offering:published', () => offering(w, 'published'));
    const r = await request(w);
    // A second institution, with a published offering of the kind, quotes too.
    const other = await w.once('service-institution:2', async () => {
      const org = await createOrganisation(w.ctx, {
        type: 'service_institution',
        subCentre: w.s2,
        verified: true,
        creditCode: randomCreditCode(w.s2.code),
      });
      const actor = await createActor(w.ctx, { organisation: org, name: '另一服务机构成员' });
      const made = await w.as(actor, 'POST', '/v1/service-offerings', {
        kind: 'ip_search',
        title: '专利检索',
        description: '检索报告',
        priceModel: 'quote',
        turnaroundDays: 4,
      });
      const id = made.json().id as string;
      await w.as(actor, 'POST', `/v1/service-offerings/${id}/submit`, {});
      await w.as(w.users.otherRegistrar, 'POST', `/v1/service-offerings/${id}/publish`, {});
      return { token: actor.token, offeringId: id };
    });
    const otherInst = {
      userId: 'institution-2',
      token: other.token!,
      headers: { authorization: `Bearer ${other.token}` },
    };
    const quoteOf = async (who: TestActor, offeringId: string) => {
      const res = await w.as(who, 'POST', `/v1/service-requests/${r.id}/quotes`, {
        offeringId,
        priceFen: 300_000,
        turnaroundDays: 4,
        validUntil: new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10),
      });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    };
    const mine = await quoteOf(inst, offer.id!);
    const theirs = await quoteOf(otherInst, other.offeringId!);
    const quotesSeen = async (who: TestActor) => {
      const res = await w.app.inject({ url: `/v1/service-requests/${r.id}`, headers: who.headers });
      expect(res.statusCode, res.body).toBe(200);
      return (res.json().quotes as { id: string }[]).map((q) => q.id).sort();
    };
    expect(await quotesSeen(u.member)).toEqual([mine, theirs].sort());
    expect(await quotesSeen(inst)).toEqual([mine]);
    expect(await quotesSeen(otherInst)).toEqual([theirs]);
    // The request is listed to its requester (and, open, to institutions offering its kind), never to others.
    for (const who of [u.stranger, u.registrar, u.otherRegistrar]) {
      expect(await ids(w, who, '/v1/service-requests?limit=100')).not.toContain(r.id);
      expect(await ids(w, who, '/v1/service-requests?role=open&limit=100')).not.toContain(r.id);
    }
    expect(await ids(w, u.member, '/v1/service-requests?limit=100')).toContain(r.id);
    expect(await ids(w, inst, '/v1/service-requests?role=open&limit=100')).toContain(r.id);
  });

  it("service orders: listed to the buyer and the institution; overdue ones to the buyer's sub-centre", async () => {
    const w = world();
    const { users: u } = w;
    const o = await w.once('service-order:overdue', async () => {
      const made = await order(w, 'in_progress');
      // Past its due date (the fixture cannot wait for working days to pass).
      await w.ctx.database.db
        .update(serviceOrders)
        .set({ dueDate: '2020-01-02' })
        .where(eq(serviceOrders.id, made.id!));
      return made;
    });
    for (const who of [u.stranger, u.registrar, u.otherRegistrar])
      expect(await ids(w, who, '/v1/service-orders?limit=100')).not.toContain(o.id);
    expect(await ids(w, u.member, '/v1/service-orders?limit=100')).toContain(o.id);
    expect(await ids(w, await institution(w), '/v1/service-orders?role=institution&limit=100')).toContain(
      o.id,
    );
    expect(await ids(w, u.registrar, '/v1/service-orders/overdue?limit=100')).toContain(o.id);
    expect(await ids(w, u.otherRegistrar, '/v1/service-orders/overdue?limit=100')).not.toContain(o.id);
  });

  it("the change feed: a service order's and request's changes only to their parties", async () => {
    const w = world();
    const { users: u } = w;
    const o = await w.once('service-order:accepted', () => order(w, 'accepted'));
    const [requestId] = await w.ctx.database.db
      .select({ id: serviceOrders.requestId })
      .from(serviceOrders)
      .where(eq(serviceOrders.id, o.id!))
      .then((rows) => rows.map((r) => r.id));
    const url = '/v1/changes?types=service_request,service_order&limit=100';
    /** Every service request or order change the caller's feed shows, from the start. */
    const feed = async (who: TestActor) => {
      const seen: string[] = [];
      let cursor = '';
      for (;;) {
        const res = await w.app.inject({
          url: `${url}${cursor && `&cursor=${encodeURIComponent(cursor)}`}`,
          headers: who.headers,
        });
        expect(res.statusCode, res.body).toBe(200);
        const page = res.json() as { items: { id: string }[]; nextCursor: string };
        seen.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
        if (!page.items.length) return seen;
      }
    };
    // The buyer's feed shows them once every older transaction has ended (a commit-safe feed).
    await eventually('the buyer’s feed', async () => {
      const seen = await feed(u.member);
      return seen.includes(o.id!) && seen.includes(requestId!);
    });
    for (const who of [u.stranger, u.registrar, u.otherRegistrar, u.operator]) {
      const seen = await feed(who);
      expect(seen).not.toContain(o.id);
      expect(seen).not.toContain(requestId);
    }
  });

  it('price notices: an objector is named in full only to the owner and operators', async () => {
    const w = world();
    const n = await w.once('notice:objected', () => objected(w));
    const url = `/v1/public-notices/${n.id}`;
    for (const who of [undefined, w.users.otherRegistrar]) {
      const res = await w.app.inject({ url, headers: who?.headers ?? {} });
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain('他方成员');
      expect(res.body).toMatch(/他\*+/);
      const list = await w.app.inject({
        url: `/v1/public-notices?organisationId=${w.o1.id}&limit=100`,
        headers: who?.headers ?? {},
      });
      expect(list.body).not.toContain('他方成员');
    }
    expect((await w.app.inject({ url, headers: w.users.member.headers })).body).toContain('他方成员');
  });

  it('achievement assessments: an open evaluation is not listed; valuations only to those who see details', async () => {
    const w = world();
    const a = await achievement(w);
    const open = await w.once('evaluation', () => evaluation(w));
    const report = 'b'.repeat(64);
    await w.once('valuation', async () => {
      const res = await w.as(w.users.member, 'POST', '/v1/valuations', {
        achievementId: a.id,
        method: 'income',
        valueFen: 1_000_000_00,
        baseDate: '2026-01-05',
        reportSha256: report,
      });
      expect(res.statusCode, res.body).toBe(201);
      return { id: res.json().id as string };
    });
    const url = `/v1/achievements/${a.id}/assessments`;
    for (const who of [undefined, w.users.stranger, w.users.otherRegistrar]) {
      const res = await w.app.inject({ url, headers: who?.headers ?? {} });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ valuationsVisible: false, valuations: [] });
      expect(res.body).not.toContain(report);
      expect(res.body).not.toContain(open.id);
    }
    const owner = await w.app.inject({ url, headers: w.users.member.headers });
    expect(owner.body).toContain(report);
    expect(owner.body).not.toContain(open.id);
  });

  it('technology managers: a pending one only to its employer; outsiders see the phone masked', async () => {
    const w = world();
    const { users: u } = w;
    const pending = await w.once('manager:pending', () => manager(w, 'pending'));
    const active = await w.once('manager:active', () => manager(w, 'active'));
    const url = `/v1/technology-managers?employerOrganisationId=${w.o1.id}&limit=100`;
    for (const who of [undefined, u.stranger, u.registrar, u.otherRegistrar]) {
      const res = await w.app.inject({ url, headers: who?.headers ?? {} });
      expect(res.statusCode).toBe(200);
      const seen = (res.json().items as { id: string }[]).map((m) => m.id);
      expect(seen).toContain(active.id);
      expect(seen).not.toContain(pending.id);
      expect(res.body).not.toContain('13800001111');
    }
    expect(await ids(w, u.member, url)).toEqual(expect.arrayContaining([pending.id, active.id]));
  });

  it("financing: investment interests listed to their two sides; others' pending presentations and the investors hidden", async () => {
    const w = world();
    const { users: u } = w;
    const inv = await w.once('investment', () => investment(w));
    for (const who of [u.registrar, u.otherRegistrar])
      expect(await ids(w, who, '/v1/investment-interests?limit=100')).not.toContain(inv.investmentInterestId);
    expect(await ids(w, u.member, '/v1/investment-interests?limit=100')).toContain(inv.investmentInterestId);
    expect(await ids(w, u.stranger, '/v1/investment-interests?limit=100')).toContain(
      inv.investmentInterestId,
    );
    // O1's own pending project at its roadshow: outsiders see neither it nor who registered.
    const pending = await w.once('presentation:o1:pending', () => presentation(w, 'o1', false));
    for (const who of [undefined, u.stranger, u.otherRegistrar]) {
      const res = await w.app.inject({
        url: `/v1/roadshows/${pending.roadshowId}`,
        headers: who?.headers ?? {},
      });
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain(pending.presentationId);
      expect(res.json().investorOrganisationIds).toBeUndefined();
    }
    const organiser = await w.app.inject({
      url: `/v1/roadshows/${pending.roadshowId}`,
      headers: u.orgAdmin.headers,
    });
    expect(organiser.body).toContain(pending.presentationId);
  });
}
