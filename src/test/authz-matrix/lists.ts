/**
 * What lists and allowed reads leave out: nothing a caller may not see appears in a list, and
 * public reads carry no confidential part or unmasked personal data. Registered by the matrix
 * test (one world per file, so the fixtures are shared).
 */
import { expect, it } from 'vitest';
import type { TestActor } from '../actors.js';
import { application } from '../fixtures/contracts.js';
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
}
