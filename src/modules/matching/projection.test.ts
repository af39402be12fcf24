// Only public fields reach the index: a listing view with everything in it still projects to
// public text only (the indexer test proves the same end to end through the catalog).
import { describe, expect, it } from 'vitest';
import { achievementFixture, needFixture } from '../../test/fixtures/catalog.js';
import { assertDocuments } from './engine.js';
import { directoryDocument, listingDocument } from './projection.js';

const SECRET = 'SECRET-MARKER-7f3a';
const base = {
  id: '0194d0f6-7a3c-7b2e-9c4d-1a2b3c4d5e6f',
  organisationId: '0194d0f6-7a3c-7b2e-9c4d-000000000001',
  status: 'published',
  version: 3,
  updatedAt: '2026-06-01T00:00:00.000Z',
};

describe('search projection', () => {
  it('indexes an achievement without its confidential part, contacts or team', () => {
    const view: Record<string, unknown> = {
      ...achievementFixture(7, {
        keywords: ['正极材料', `超长关键词${'长'.repeat(40)}`],
        team: [`成员${SECRET}`],
        contacts: [{ name: `联系人${SECRET}`, phone: '13812345678', email: `${SECRET}@x.cn` }],
      }),
      ...base,
      // as if a view carried it (the public view does not): it must still not be indexed
      confidential: { notes: SECRET, detailedIndicators: [SECRET] },
    };
    const doc = listingDocument('achievement', view, { organisationName: '南京理工大学' });
    expect(JSON.stringify(doc)).not.toContain(SECRET);
    expect(JSON.stringify(doc)).not.toContain('13812345678');
    expect(doc).toMatchObject({
      type: 'achievement',
      title: view.title,
      summary: view.summary,
      fieldCode: '03',
      regionCode: '320115',
      trl: 6,
      transferModes: ['transfer', 'license_nonexclusive'],
      priceFen: view.priceFen,
      organisationId: base.organisationId,
      status: 'published',
      keywords: ['正极材料'],
    });
    // indicators, the over-long keyword and the organisation are searchable body text
    expect(doc.body).toContain('比容量');
    expect(doc.body).toContain('超长关键词');
    expect(doc.body).toContain('南京理工大学');
    expect(() => assertDocuments([doc])).not.toThrow();
  });

  it('indexes a need with its readiness, modes and budget', () => {
    const view = { ...needFixture(9, { confidential: { details: SECRET } }), ...base };
    const doc = listingDocument('need', view);
    expect(JSON.stringify(doc)).not.toContain(SECRET);
    expect(doc).toMatchObject({
      type: 'need',
      minTrl: 5,
      transferModes: ['co_development'],
      budgetMinFen: 100_000_000,
      budgetMaxFen: 300_000_000,
    });
    expect(doc.body).toContain('45 ℃');
    expect(() => assertDocuments([doc])).not.toThrow();
  });

  it('indexes experts and institutions without contacts', () => {
    const expert = directoryDocument({
      type: 'expert',
      id: base.id,
      name: '李教授',
      title: '教授',
      organisationId: null,
      fields: ['03', '07'],
      expertise: ['固态电解质'],
      bio: '长期从事电池材料研究',
      updatedAt: base.updatedAt,
    });
    expect(expert).toMatchObject({
      type: 'expert',
      title: '李教授',
      fieldCode: '03',
      keywords: ['固态电解质'],
    });
    const institution = directoryDocument({
      type: 'institution',
      id: base.id,
      organisationId: base.organisationId,
      name: '苏州技术转移中心',
      kinds: ['技术转移', '知识产权'],
      regionCode: '320505',
      description: null,
      services: ['成果评价'],
      updatedAt: base.updatedAt,
      // a row read with more columns than the entry names must still not leak them
      ...({ contact: { name: '王', phone: '13712345678' } } as object),
    });
    expect(JSON.stringify(institution)).not.toContain('13712345678');
    expect(institution).toMatchObject({
      regionCode: '320505',
      keywords: ['技术转移', '知识产权', '成果评价'],
    });
    expect(() => assertDocuments([expert, institution])).not.toThrow();
  });
});
