/**
 * Fixture objects of the owning organisation O1, each made through the real API in the state a
 * row needs. Every title, project name or URL is a registered secret: no denied answer may
 * contain it.
 */

import { eq } from 'drizzle-orm';
import { addMembership, grantRole, insertUser } from '../../modules/identity/repository.js';
import { emitEventInTx } from '../../modules/integration/events.js';
import { webhookDeliveries } from '../../modules/integration/schema.js';
import { notifications } from '../../modules/notifications/schema.js';
import { notifyInTx } from '../../modules/notifications/service.js';
import { createActor, createOrganisation } from '../actors.js';
import { achievementFixture, needFixture } from '../fixtures/catalog.js';
import { application } from '../fixtures/contracts.js';
import { randomCreditCode, randomResidentId } from '../ids.js';
import type { Obj } from './types.js';
import type { World } from './world.js';

let seq = 0;
const next = () => ++seq + Math.floor(Math.random() * 1e6) * 100;

export type ListingStatus = 'draft' | 'submitted' | 'published';

/** An achievement or need of O1: a draft, or submitted, or approved by S1's registrar. */
export async function listing(w: World, kind: 'achievement' | 'need', status: ListingStatus): Promise<Obj> {
  const n = next();
  const title = w.secret(kind === 'achievement' ? '矩阵成果' : '矩阵需求');
  const fixture = kind === 'achievement' ? achievementFixture : needFixture;
  const body = fixture(n, { title, externalId: `MATRIX-${w.tag}-${n}` });
  const base = `/v1/${kind}s`;
  const id = (await w.as(w.users.member, 'POST', base, body)).json().id as string;
  if (status !== 'draft')
    await w.as(w.users.member, 'POST', `${base}/${id}/transitions`, { action: 'submit' });
  if (status === 'published')
    await w.as(w.users.registrar, 'POST', `${base}/${id}/transitions`, { action: 'approve' });
  return { id, title, body: JSON.stringify(body) };
}

export type ContractStatus = 'draft' | 'submitted' | 'under_review' | 'registered';

/** A technology contract application of O1 (the seller), taken and registered by S1's registrar. */
export async function contract(w: World, status: ContractStatus): Promise<Obj> {
  const projectName = w.secret('矩阵合同项目');
  const body = application({ sellerCode: w.o1.creditCode, subCentre: w.s1 }, { projectName });
  const id = (await w.as(w.users.member, 'POST', '/v1/contracts', body)).json().id as string;
  const steps: [ContractStatus, string][] = [
    ['submitted', 'submit'],
    ['under_review', 'take'],
    ['registered', 'register'],
  ];
  const order: ContractStatus[] = ['draft', 'submitted', 'under_review', 'registered'];
  for (const [reached, step] of steps) {
    if (order.indexOf(status) < order.indexOf(reached)) break;
    const who = step === 'submit' ? w.users.member : w.users.registrar;
    await w.as(who, 'POST', `/v1/contracts/${id}/${step}`, step === 'register' ? {} : undefined);
  }
  return { id, projectName, body: JSON.stringify(body) };
}

/** A registered contract with a pending amendment requested by O1. */
export async function amendment(w: World): Promise<Obj> {
  const c = await contract(w, 'registered');
  const reason = w.secret('矩阵变更理由');
  const res = await w.as(w.users.member, 'POST', `/v1/contracts/${c.id}/amendments`, {
    changes: { validTo: '2027-06-30' },
    reason,
  });
  return { ...c, amendmentId: res.json().id as string };
}

/** A webhook subscription of O1 (made by its admin; or O2's), with one delivery of an event for it alone. */
export async function webhook(w: World, of: 'o1' | 'o2' = 'o1'): Promise<Obj> {
  const description = w.secret('矩阵订阅');
  const url = `http://127.0.0.1:9/${w.secret('hook')}`;
  const admin =
    of === 'o1' ? w.users.orgAdmin : await createActor(w.ctx, { organisation: w.o2, orgRole: 'org_admin' });
  const res = await w.as(admin, 'POST', '/v1/webhooks/subscriptions', {
    url,
    description,
    // An event type no other row emits, so no other row's event fans out to these subscriptions.
    eventTypes: ['match.suggested'],
  });
  const id = res.json().id as string;
  const db = w.ctx.database.db;
  await db.transaction((tx) =>
    emitEventInTx(tx, {
      type: 'match.suggested',
      subjectId: id,
      organisationIds: [of === 'o1' ? w.o1.id : w.o2.id],
      data: { note: description },
    }),
  );
  const [d] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, id));
  return { id, url, description, deliveryId: d!.id };
}

/** An in-app notification to O1 (organisation audience), or to O1's plain member personally. */
export async function notification(
  w: World,
  audience: 'organisation' | 'member' = 'organisation',
): Promise<Obj> {
  const title = w.secret('矩阵通知');
  const dedupKey = `matrix:${title}`;
  const recipient = audience === 'member' ? { userId: w.users.member.userId } : { organisationId: w.o1.id };
  await notifyInTx(w.ctx.database.db, [{ recipient, kind: 'matrix.test', title, data: {}, dedupKey }]);
  const [row] = await w.ctx.database.db
    .select({ id: notifications.id })
    .from(notifications)
    .where(eq(notifications.dedupKey, dedupKey));
  return { id: row!.id, title };
}

/** A person with an e-mail address, optionally a plain member of O1. */
export async function person(w: World, opts: { member?: boolean } = {}): Promise<Obj> {
  const email = `${w.secret('matrix').toLowerCase()}@example.com`;
  const user = await insertUser(w.ctx.database.db, { displayName: '矩阵人员', email });
  if (opts.member) await addMembership(w.ctx.database.db, user.id, w.o1.id, 'org_member');
  return { userId: user.id, email };
}

/** A person holding a role (the technology manager role 技术经理人, or registrar of S2): the grant to revoke. */
export async function roleGrant(w: World, role: 'tech_manager' | 'registrar' = 'tech_manager'): Promise<Obj> {
  const p = await person(w);
  await grantRole(
    w.ctx.database.db,
    p.userId!,
    role,
    role === 'registrar' ? { subCentreId: w.s2.id } : { certificateNo: `TM${next()}` },
  );
  const roles = await w.as(w.users.operator, 'GET', `/v1/users/${p.userId}/roles`);
  const items = roles.json().items as { id: string; role: string }[];
  return { ...p, roleId: items.find((r) => r.role === role)!.id };
}

/** A pending verification application (一次认证) of a new, unverified organisation in S1. */
export async function verificationApplication(w: World): Promise<Obj> {
  const name = w.secret('矩阵待认证机构');
  const org = await createOrganisation(w.ctx, { name, subCentre: w.s1 });
  const admin = await createActor(w.ctx, { organisation: org, orgRole: 'org_admin' });
  const res = await w.as(admin, 'POST', `/v1/organisations/${org.id}/verification`, {
    creditCode: randomCreditCode(w.s1.code),
    legalRepresentative: '矩阵法人',
    licenceSha256: 'ab'.repeat(32),
  });
  return { id: res.json().id as string, organisationId: org.id, name };
}

/** A pending real-name application (实名认证) of a new person. */
export async function realNameApplication(w: World): Promise<Obj> {
  const who = await createActor(w.ctx, { name: '矩阵申请人' });
  const residentId = randomResidentId();
  w.secrets.add(residentId);
  const res = await w.as(who, 'POST', '/v1/me/real-name', { legalName: '矩阵申请人', residentId });
  return { id: res.json().id as string, userId: who.userId, residentId };
}

/** An unverified organisation in S1: hidden from everyone but insiders. */
export async function hiddenOrganisation(w: World): Promise<Obj> {
  const name = w.secret('矩阵未认证机构');
  const org = await createOrganisation(w.ctx, { name, subCentre: w.s1 });
  return { id: org.id, name };
}

/** A data product transaction O1's partner client submitted for a voucher. */
export async function dataTransaction(w: World): Promise<Obj> {
  const client = await createActor(w.ctx, { organisation: w.o1, scopes: ['vouchers:write'] });
  const externalId = w.secret('dx');
  const res = await w.as(client, 'POST', '/v1/vouchers/transactions', dataTransactionBody(externalId, w));
  return { id: res.json().transactionId as string, externalId };
}

/** A deal between O1 (seller) and O2 (buyer): whoever of them submits it is a party. */
export function dataTransactionBody(externalId: string, w: Pick<World, 'o1' | 'o2'>) {
  return {
    externalId,
    parties: [
      { role: 'seller', name: w.o1.name, creditCode: w.o1.creditCode },
      { role: 'buyer', name: w.o2.name, creditCode: w.o2.creditCode },
    ],
    subject: { title: '矩阵数据集' },
    amounts: { contractValueFen: 1_000_000, transactionAmountFen: 1_000_000 },
    documentHashes: [{ name: 'contract', sha256: 'cd'.repeat(32) }],
  };
}
