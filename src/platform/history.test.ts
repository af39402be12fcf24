import { getTableConfig, pgTable, uuid } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import { historyEntry, historyTable, historyView, webhookStepData } from './history.js';

const subjects = pgTable('things', { id: uuid('id').primaryKey() });
const thingEvents = historyTable('thing_events', 'thing_id', subjects.id);

describe('lifecycle history', () => {
  it('names its index and foreign key as the tables before it did, deleted with the subject', () => {
    const config = getTableConfig(thingEvents);
    expect(config.columns.map((c) => c.name)).toEqual([
      'id',
      'thing_id',
      'action',
      'from_status',
      'to_status',
      'actor_type',
      'actor_id',
      'actor_organisation_id',
      'data',
      'occurred_at',
    ]);
    expect(
      config.indexes.map((i) => [i.config.name, i.config.columns.map((c) => 'name' in c && c.name)]),
    ).toEqual([['thing_events_thing_idx', ['thing_id', 'id']]]);
    const [fk] = config.foreignKeys;
    expect(config.foreignKeys).toHaveLength(1);
    expect(fk!.getName()).toBe('thing_events_thing_id_fkey');
    expect(fk!.onDelete).toBe('cascade');
    expect(fk!.reference().foreignTable).toBe(subjects);
  });

  it('records a step with the actor, and shows it without the actor id', () => {
    const entry = historyEntry(
      'thing-1',
      'decline',
      'pending',
      'declined',
      { type: 'user', id: 'u-1', organisationId: 'org-1' },
      { reason: { code: 'other', text: 'x' } },
    );
    expect(entry).toMatchObject({
      subjectId: 'thing-1',
      action: 'decline',
      fromStatus: 'pending',
      toStatus: 'declined',
      actorType: 'user',
      actorId: 'u-1',
      actorOrganisationId: 'org-1',
      data: { reason: { code: 'other', text: 'x' } },
    });
    expect(historyEntry('thing-1', 'created', null, 'pending', { type: 'system' }, {})).toMatchObject({
      actorId: null,
      actorOrganisationId: null,
    });
    const occurredAt = new Date('2026-12-07T08:00:00Z');
    expect(historyView({ ...entry, occurredAt })).toEqual({
      action: 'decline',
      fromStatus: 'pending',
      toStatus: 'declined',
      actorType: 'user',
      actorOrganisationId: 'org-1',
      data: { reason: { code: 'other', text: 'x' } },
      occurredAt: '2026-12-07T08:00:00.000Z',
    });
  });

  it('gives a webhook codes and ids, not words', () => {
    const data = {
      note: '请尽快',
      reason: { code: 'other', text: '价格太高' },
      contractId: 'c-1',
      title: 't',
    };
    expect(webhookStepData(data)).toEqual({ contractId: 'c-1', title: 't', reason: { code: 'other' } });
    expect(webhookStepData(data, ['note', 'title'])).toEqual({
      contractId: 'c-1',
      reason: { code: 'other' },
    });
    // a reason that is not an object carries no code: it is left out
    expect(webhookStepData({ reason: 'free text', score: 4 })).toEqual({ score: 4 });
    // the caller's details are left as they were
    expect(data.note).toBe('请尽快');
  });
});
