import { and, asc, count, eq, gt } from 'drizzle-orm';
import { actorOf, recordAudit } from '../../platform/audit.js';
import type { Tx } from '../../platform/db.js';
import { ConflictError, NotFoundError } from '../../platform/errors.js';
import { clampLimit, paginate } from '../../platform/pagination.js';
import type { MembershipRole } from '../../platform/principal.js';
import { maskEmail } from './identifiers.js';
import { authorizedOrg } from './organisations.js';
import { findUserByEmail } from './repository.js';
import { memberships, users } from './schema.js';
import type { Caller, IdentityDeps } from './service.js';

/** Members of an organisation, managed by its admins; every change is audited. */
function memberView(m: {
  userId: string;
  displayName: string;
  email: string | null;
  role: MembershipRole;
  joinedAt: Date;
}) {
  return {
    userId: m.userId,
    displayName: m.displayName,
    email: m.email ? maskEmail(m.email) : null,
    role: m.role,
    joinedAt: m.joinedAt.toISOString(),
  };
}

const memberColumns = {
  userId: memberships.userId,
  displayName: users.displayName,
  email: users.email,
  role: memberships.role,
  joinedAt: memberships.createdAt,
};

export async function listMembers(
  deps: IdentityDeps,
  caller: Caller,
  organisationId: string,
  f: { cursor?: string; limit?: number },
) {
  await authorizedOrg(deps.db, caller, organisationId, 'organisation.members.read');
  const after = deps.cursors.decode(`members:${organisationId}`, f.cursor);
  const page = await paginate(
    deps.cursors,
    `members:${organisationId}`,
    clampLimit(f.limit),
    (n) =>
      deps.db
        .select(memberColumns)
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId))
        .where(
          and(
            eq(memberships.organisationId, organisationId),
            after ? gt(memberships.userId, String(after[0])) : undefined,
          ),
        )
        .orderBy(asc(memberships.userId))
        .limit(n),
    (m) => [m.userId],
  );
  return { items: page.items.map(memberView), nextCursor: page.nextCursor };
}

async function findMember(tx: Tx, organisationId: string, userId: string) {
  const [m] = await tx
    .select(memberColumns)
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.organisationId, organisationId), eq(memberships.userId, userId)));
  return m;
}

/** The organisation row is locked by the caller, so two admins cannot demote each other at once. */
async function assertAnotherAdmin(tx: Tx, organisationId: string) {
  const [row] = await tx
    .select({ n: count() })
    .from(memberships)
    .where(and(eq(memberships.organisationId, organisationId), eq(memberships.role, 'org_admin')));
  if ((row?.n ?? 0) <= 1) throw new ConflictError('last-org-admin');
}

function audit(
  tx: Tx,
  caller: Caller,
  action: string,
  organisationId: string,
  userId: string,
  before: unknown,
  after: unknown,
) {
  return recordAudit(tx, {
    actor: actorOf(caller.principal),
    action,
    objectType: 'membership',
    objectId: `${organisationId}:${userId}`,
    before,
    after,
    requestId: caller.requestId,
  });
}

export async function addMember(
  deps: IdentityDeps,
  caller: Caller,
  organisationId: string,
  input: { email: string; role?: MembershipRole },
) {
  const role = input.role ?? 'org_member';
  return deps.db.transaction(async (tx) => {
    await authorizedOrg(tx, caller, organisationId, 'organisation.members.manage', true);
    const user = await findUserByEmail(tx, input.email.trim());
    if (!user || user.disabled) throw new NotFoundError('user-not-found');
    if (await findMember(tx, organisationId, user.id)) throw new ConflictError('already-member');
    await tx.insert(memberships).values({ userId: user.id, organisationId, role });
    await audit(tx, caller, 'membership.add', organisationId, user.id, null, { role });
    return memberView((await findMember(tx, organisationId, user.id))!);
  });
}

export async function changeMemberRole(
  deps: IdentityDeps,
  caller: Caller,
  organisationId: string,
  userId: string,
  input: { role: MembershipRole },
) {
  return deps.db.transaction(async (tx) => {
    await authorizedOrg(tx, caller, organisationId, 'organisation.members.manage', true);
    const member = await findMember(tx, organisationId, userId);
    if (!member) throw new NotFoundError();
    if (member.role === input.role) return memberView(member);
    if (member.role === 'org_admin') await assertAnotherAdmin(tx, organisationId);
    await tx
      .update(memberships)
      .set({ role: input.role })
      .where(and(eq(memberships.organisationId, organisationId), eq(memberships.userId, userId)));
    await audit(
      tx,
      caller,
      'membership.role_change',
      organisationId,
      userId,
      { role: member.role },
      { role: input.role },
    );
    return memberView({ ...member, role: input.role });
  });
}

export async function removeMember(
  deps: IdentityDeps,
  caller: Caller,
  organisationId: string,
  userId: string,
) {
  await deps.db.transaction(async (tx) => {
    await authorizedOrg(tx, caller, organisationId, 'organisation.members.manage', true);
    const member = await findMember(tx, organisationId, userId);
    if (!member) throw new NotFoundError();
    if (member.role === 'org_admin') await assertAnotherAdmin(tx, organisationId);
    await tx
      .delete(memberships)
      .where(and(eq(memberships.organisationId, organisationId), eq(memberships.userId, userId)));
    await audit(tx, caller, 'membership.remove', organisationId, userId, { role: member.role }, null);
  });
}
