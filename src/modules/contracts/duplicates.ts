/**
 * Duplicate applications: the same contract applied for twice would get two registration
 * numbers and count twice in statistics, the tax view and rewards. An application is a
 * duplicate of a live one (any status but refused or cancelled) with the same document hash, or
 * with the same parties, type, subtype, project name and amounts. It is refused with 409 naming
 * the existing application (its id, status and registration number when the caller's
 * organisation applied for it; only the fact otherwise). A genuinely distinct contract between
 * the same parties differs in its document and in project or amounts, and is accepted.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../../platform/db.js';
import { ConflictError } from '../../platform/errors.js';
import { registerMessages } from '../../platform/messages.js';
import { raw, runText, type Text, text } from '../../platform/statement.js';
import { type ApplicantOrganisation, applicantOrganisationText } from '../identity/index.js';
import type { ContractStatus } from './rules.js';
import type { ContractInput, PartyInput } from './validation.js';

registerMessages({
  'contract-duplicate': {
    title: { 'zh-CN': '该合同已申请登记', en: 'This contract has already been applied for' },
    detail: {
      'zh-CN':
        '已有相同合同的登记申请（合同文件相同，或当事人、类型、项目与金额相同，见 matchedOn 与 existing），不能重复申请；如需修改，请更正原申请。',
      en: 'An application for the same contract exists (same document, or same parties, type, project and amounts: see matchedOn and existing); correct that one instead of applying twice.',
    },
  },
});

const ENDED: ContractStatus[] = ['refused', 'cancelled'];

/** Serialises applications of one organisation and of one document (transaction-scoped). */
export async function lockApplicant(
  tx: DbOrTx,
  organisationId: string,
  documentSha256: string,
): Promise<void> {
  // One round trip, taken in this order (a select list is evaluated left to right): the
  // organisation's lock is held while the rest of the application's transaction runs.
  await tx.execute(
    sql`SELECT pg_advisory_xact_lock(hashtext(${`contract-apply:${organisationId}`})),
               pg_advisory_xact_lock(hashtext(${`contract-document:${documentSha256}`}))`,
  );
}

/**
 * `lockApplicant` reading the applying organisation in the same round trip (its row as of the
 * statement's start: the lock guards applications, not the organisation). Undefined when there
 * is no such organisation.
 */
export async function lockApplicantReading(
  tx: Tx,
  organisationId: string,
  documentSha256: string,
): Promise<ApplicantOrganisation | undefined> {
  const [row] = await runText<Partial<ApplicantOrganisation>>(
    tx,
    text`SELECT org.* FROM (
        SELECT pg_advisory_xact_lock(hashtext(${`contract-apply:${organisationId}`}::text)) AS a,
               pg_advisory_xact_lock(hashtext(${`contract-document:${documentSha256}`}::text)) AS b) locks
      LEFT JOIN (${applicantOrganisationText(organisationId)}) org ON true`,
  );
  return row?.id ? (row as ApplicantOrganisation) : undefined;
}

/** A party's identity: its credit code, or (abroad) its country and name. */
const partyKey = (p: PartyInput) => p.creditCode || `${p.countryCode}:${p.name}`;

const partyKeyText = (column: 'seller' | 'buyer') =>
  raw(
    `coalesce(nullif(${column}->>'creditCode', ''), (${column}->>'countryCode') || ':' || (${column}->>'name'))`,
  );
const ENDED_TEXT = raw(ENDED.map((s) => `'${s}'`).join(', '));

/**
 * The live application `value` duplicates (other than `exceptId`), at most one, as a `Text`
 * fragment (platform/statement.ts): run it after `lockApplicant`, as a statement of its own
 * (`findDuplicateApplication`) or inside the one that inserts the application. Both halves are
 * answered by an index (schema.ts): the document hash by technology_contracts_document_idx, the
 * content by technology_contracts_duplicate_idx, whose expressions and predicate are the ones
 * written here (change one, change the other, or the check scans the table).
 */
export function duplicateText(value: ContractInput, exceptId?: string): Text {
  return text`SELECT id, organisation_id, status, registration_number, document_sha256
    FROM technology_contracts
    WHERE status NOT IN (${ENDED_TEXT})
      AND (document_sha256 = ${value.documentSha256}::text
        OR (type = ${value.type} AND subtype = ${value.subtype} AND project_name = ${value.projectName.trim()}::text
          AND contract_value_fen = ${value.contractValueFen}::bigint
          AND non_technical_costs_fen = ${value.nonTechnicalCostsFen}::bigint
          AND ${partyKeyText('seller')} = ${partyKey(value.seller)}::text
          AND ${partyKeyText('buyer')} = ${partyKey(value.buyer)}::text))${
            exceptId ? text` AND id <> ${exceptId}::uuid` : text``
          }
    LIMIT 1`;
}

/** What `duplicateText` finds. */
export interface ExistingApplication {
  id: string;
  organisationId: string;
  status: string;
  registrationNumber: string | null;
  documentSha256: string;
}

/** The row `duplicateText` selects, as its columns are named. */
export interface DuplicateRow extends Record<string, unknown> {
  id: string;
  organisation_id: string;
  status: string;
  registration_number: string | null;
  document_sha256: string;
}

export const existingOf = (row: DuplicateRow): ExistingApplication => ({
  id: row.id,
  organisationId: row.organisation_id,
  status: row.status,
  registrationNumber: row.registration_number,
  documentSha256: row.document_sha256,
});

/** Throws 409 `contract-duplicate` if `value` duplicates a live application (other than `exceptId`). */
export async function findDuplicateApplication(
  tx: DbOrTx,
  organisationId: string,
  value: ContractInput,
  exceptId?: string,
): Promise<void> {
  const [row] = await runText<DuplicateRow>(tx, duplicateText(value, exceptId));
  throwIfDuplicate(row && existingOf(row), organisationId, value);
}

/** The 409 for `existing`, a live application `value` duplicates (nothing when undefined). */
export function throwIfDuplicate(
  existing: ExistingApplication | undefined,
  organisationId: string,
  value: ContractInput,
): void {
  if (!existing) return;
  const matchedOn = existing.documentSha256 === value.documentSha256 ? 'documentSha256' : 'content';
  const ours = existing.organisationId === organisationId;
  throw new ConflictError(
    'contract-duplicate',
    {},
    {
      matchedOn,
      existing: ours
        ? { id: existing.id, status: existing.status, registrationNumber: existing.registrationNumber }
        : null,
    },
  );
}
