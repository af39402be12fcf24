import { describe, expect, it } from 'vitest';
import { application, requiredDetails } from '../../test/fixtures/contracts.js';
import { randomCreditCode } from '../../test/ids.js';
import type { SubCentre } from '../identity/repository.js';
import { CONTRACT_TYPES, reviewWorkingDays, rewardFen, type SubtypeRule } from './rules.js';
import { type ContractInput, declaredTransactionAmount, validateContract } from './validation.js';

const point = { sellerCode: randomCreditCode('320100'), subCentre: { code: '320100' } as SubCentre };
const details = requiredDetails({ transferInstitutionId: '0190f0a0-0000-7000-8000-000000000001' });
const base = (over: Partial<ContractInput> = {}) => application(point, over);
const fields = (r: ReturnType<typeof validateContract>) => (r.ok ? [] : r.errors.map((e) => e.field));

const subtypes = Object.entries(CONTRACT_TYPES).flatMap(([type, t]) =>
  Object.entries(t.subtypes as Record<string, SubtypeRule>).map(([subtype, rule]) => ({
    type,
    subtype,
    rule,
  })),
);

describe('types and subtypes', () => {
  it('covers the five types and their subtypes', () => {
    expect(subtypes.map((s) => `${s.type}/${s.subtype}`)).toEqual([
      'development/commissioned',
      'development/cooperative',
      'transfer/patent_right',
      'transfer/patent_application_right',
      'transfer/technical_secret',
      'transfer/software_copyright',
      'transfer/layout_design',
      'transfer/plant_variety',
      'transfer/biomedical_variety',
      'transfer/equity_contribution',
      'licensing/patent_licence',
      'licensing/technical_secret_licence',
      'consulting/consulting',
      'service/technical_service',
      'service/training',
      'service/intermediary',
    ]);
  });

  for (const { type, subtype, rule } of subtypes) {
    it(`${type}/${subtype} is accepted with ${rule.required.join(', ') || 'no extra fields'}`, () => {
      const filled = Object.assign({}, ...rule.required.map((f) => details[f]));
      expect(validateContract(base({ type, subtype, ...filled }))).toMatchObject({ ok: true });
    });
    for (const missing of rule.required) {
      it(`${type}/${subtype} is refused without ${missing}`, () => {
        const filled = Object.assign(
          {},
          ...rule.required.filter((f) => f !== missing).map((f) => details[f]),
        );
        const r = validateContract(base({ type, subtype, ...filled }));
        expect(fields(r)).toContain(`body/${missing}`);
      });
    }
  }

  it('refuses a subtype of another type', () => {
    expect(fields(validateContract(base({ type: 'consulting', subtype: 'commissioned' })))).toEqual([
      'body/subtype',
    ]);
  });

  it('checks patent numbers by their check digit and normalises them', () => {
    const r = validateContract(
      base({ type: 'transfer', subtype: 'patent_right', patentNumbers: ['ZL 201310699744.2'] }),
    );
    expect(r).toMatchObject({ ok: true, value: { patentNumbers: ['201310699744.2'] } });
    const bad = validateContract(
      base({ type: 'transfer', subtype: 'patent_right', patentNumbers: ['201310699744.3'] }),
    );
    expect(bad.ok ? [] : bad.errors).toEqual([
      expect.objectContaining({
        field: 'body/patentNumbers/0',
        code: 'patent-number',
        message: expect.stringContaining('expected 2'),
      }),
    ]);
  });

  it('requires a valid licence type and term for licences', () => {
    const r = validateContract(
      base({
        type: 'licensing',
        subtype: 'technical_secret_licence',
        // @ts-expect-error not a licence type: what a caller other than the HTTP route (whose schema rejects it) might pass
        licenceType: 'shared',
        licenceTermMonths: 0,
      }),
    );
    expect(fields(r).sort()).toEqual(['body/licenceTermMonths', 'body/licenceType']);
  });
});

describe('parties', () => {
  it('a domestic party needs a valid credit code, a region and a party nature', () => {
    const r = validateContract(
      base({
        buyer: {
          name: '买方',
          countryCode: 'CN',
          creditCode: '91350100M000100Y44',
          regionCode: '990000',
          partyNature: '999',
        },
      }),
    );
    expect(fields(r).sort()).toEqual([
      'body/buyer/creditCode',
      'body/buyer/partyNature',
      'body/buyer/regionCode',
    ]);
    expect(
      fields(
        validateContract(
          base({ buyer: { name: '买方', countryCode: 'CN', regionCode: '320500', partyNature: '100' } }),
        ),
      ),
    ).toEqual(['body/buyer/creditCode']);
  });

  it('a foreign party needs a country code only', () => {
    expect(validateContract(base({ buyer: { name: 'Acme GmbH', countryCode: 'DE' } })).ok).toBe(true);
    expect(fields(validateContract(base({ buyer: { name: 'Acme', countryCode: 'QQ' } })))).toEqual([
      'body/buyer/countryCode',
    ]);
  });

  it('the seller applies unless the technology is imported, when the buyer is domestic', () => {
    const foreignSeller = { name: 'Acme Inc.', countryCode: 'US' };
    expect(fields(validateContract(base({ seller: foreignSeller })))).toEqual(['body/seller/countryCode']);
    expect(validateContract(base({ seller: foreignSeller, imported: true })).ok).toBe(true);
    expect(fields(validateContract(base({ imported: true })))).toEqual(['body/seller/countryCode']);
  });
});

describe('amounts', () => {
  it('the transaction amount is the value less non-technical costs', () => {
    expect(declaredTransactionAmount({ contractValueFen: 500_00, nonTechnicalCostsFen: 120_00 })).toBe(
      380_00,
    );
    expect(validateContract(base({ contractValueFen: 500_00, nonTechnicalCostsFen: 500_00 })).ok).toBe(true);
  });

  it('is never negative and never above the value; amounts are whole fen', () => {
    expect(
      fields(validateContract(base({ contractValueFen: 500_00, nonTechnicalCostsFen: 500_01 }))),
    ).toEqual(['body/nonTechnicalCostsFen']);
    expect(fields(validateContract(base({ contractValueFen: -1 })))).toContain('body/contractValueFen');
    expect(fields(validateContract(base({ contractValueFen: 10.5 })))).toContain('body/contractValueFen');
    expect(fields(validateContract(base({ nonTechnicalCostsFen: -5 })))).toEqual([
      'body/nonTechnicalCostsFen',
    ]);
  });

  it('instalments sum to the contract value', () => {
    const schedule = [
      { dueDate: '2026-06-01', amountFen: 600_000_00 },
      { dueDate: '2026-12-01', amountFen: 400_000_00 },
    ];
    expect(validateContract(base({ payment: { method: 'instalments', schedule } })).ok).toBe(true);
    const short = [schedule[0]!, { dueDate: '2026-12-01', amountFen: 399_999_99 }];
    const r = validateContract(base({ payment: { method: 'instalments', schedule: short } }));
    expect(r.ok ? [] : r.errors.map((e) => e.code)).toEqual(['schedule-sum']);
    expect(
      fields(validateContract(base({ payment: { method: 'instalments', schedule: [schedule[0]!] } }))),
    ).toEqual(['body/payment/schedule']);
  });

  it('royalties need a basis and a rate; other payment needs a description', () => {
    expect(
      validateContract(
        base({ payment: { method: 'royalty', royaltyBasis: 'sales', royaltyRateBasisPoints: 350 } }),
      ).ok,
    ).toBe(true);
    expect(fields(validateContract(base({ payment: { method: 'royalty' } }))).sort()).toEqual([
      'body/payment/royaltyBasis',
      'body/payment/royaltyRateBasisPoints',
    ]);
    expect(fields(validateContract(base({ payment: { method: 'other' } })))).toEqual([
      'body/payment/description',
    ]);
  });

  it('review period: 15 working days, 30 from 5,000,000 yuan or when disputed', () => {
    expect(reviewWorkingDays(499_999_999, false)).toBe(15);
    expect(reviewWorkingDays(500_000_000, false)).toBe(30);
    expect(reviewWorkingDays(1, true)).toBe(30);
  });

  it('reward: 3% of the brokered amount, floored to the fen, capped at 1,000,000 yuan', () => {
    expect(rewardFen(1_000_000_00)).toEqual({ rewardFen: 30_000_00, capped: false });
    expect(rewardFen(33)).toEqual({ rewardFen: 0, capped: false });
    expect(rewardFen(3_333_333_333_33)).toEqual({ rewardFen: 1_000_000_00, capped: true });
  });
});

describe('dates and documents', () => {
  it('refuses impossible dates, an end before the start, and a malformed hash', () => {
    const r = validateContract(
      base({ signingDate: '2026-02-30', validTo: '2026-01-01', documentSha256: 'ABC' }),
    );
    expect(fields(r).sort()).toEqual(['body/documentSha256', 'body/signingDate', 'body/validTo']);
  });
});
