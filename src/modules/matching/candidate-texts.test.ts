// The candidates' texts for the reasons, read from the catalog by id: an id the engine returns that
// is no catalog id (a document indexed straight into the engine, as the latency bench indexes its
// generated achievements) has no public text; it must not fail the whole match list.
import { describe, expect, it } from 'vitest';
import { useTestContext } from '../../test/app.js';
import { catalogTexts } from './candidate-texts.js';
import { DOCUMENT_TYPES } from './engine.js';

const test = useTestContext();

describe('catalogTexts', () => {
  it('gives no text, and no error, for ids that are not catalog ids', async () => {
    const texts = catalogTexts(test.ctx.database.db);
    for (const type of DOCUMENT_TYPES) {
      const found = await texts(type, ['gen-1-ach-0001', '0199a1b2-0000-7000-8000-000000000000']);
      expect(found.size, type).toBe(0);
    }
  });
});
