// Deterministic demo data for techex: sub-centres, organisations, achievements (科技成果), needs (技术需求)
// and experts, composed from per-field templates in src/modules/catalog/demo/templates/.
// Run `npx tsx src/modules/catalog/demo/demo-data.ts [seed]` to print counts and a sample.
import { achievementText, achievementTitle, ipItems, needText, needTitle } from './templates/compose.js';
import { FIELD_CODES, FIELDS, fieldTemplate } from './templates/fields.js';
import { buildCreditCode, CREDIT_CODE_ALPHABET } from './templates/identifiers.js';
import type {
  Achievement,
  DealMethod,
  DemoData,
  Expert,
  FieldCode,
  Need,
  Organisation,
  SubCentre,
  TransferMode,
} from './templates/model.js';
import { ENTERPRISE_BRANDS, RESEARCH_ORGS, SERVICE_ORGS } from './templates/organisations.js';
import {
  EXPERT_TITLES_ACADEMIC,
  EXPERT_TITLES_INDUSTRY,
  GIVEN_CHARS,
  PHONE_PREFIXES,
  SURNAMES,
} from './templates/people.js';
import { mulberry32, type Rng } from './templates/random.js';
import { cityCodeOf, cityOf, JIANGSU_CITIES } from './templates/regions.js';

export type {
  Achievement,
  DealMethod,
  DemoData,
  Expert,
  FieldCode,
  IpItem,
  IpKind,
  Need,
  Organisation,
  OrganisationType,
  ServiceKind,
  SubCentre,
  TransferMode,
} from './templates/model.js';
export { TRANSFER_MODE_NAMES } from './templates/model.js';
export { FIELD_CODES, FIELDS };

export const DEMO_COUNTS = {
  enterprises: 60,
  achievementsPerField: 60,
  needsPerField: 18,
  experts: 80,
} as const;

const ORG_BODY_CHARS = CREDIT_CODE_ALPHABET.replace(/[0-9]/g, '') + '0123456789'.repeat(3);

function digits(rng: Rng, n: number): string {
  let s = '';
  for (let k = 0; k < n; k++) s += String(rng.int(0, 9));
  return s;
}

function subCentres(): SubCentre[] {
  return JIANGSU_CITIES.map((c) => ({
    code: c.code,
    name: `江苏省技术产权交易市场${c.name}分中心`,
    regionCode: c.code,
  }));
}

function organisations(rng: Rng): Organisation[] {
  const orgs: Organisation[] = [];
  const codes = new Set<string>();
  const creditCode = (kind: string, regionCode: string, body: () => string): string => {
    for (;;) {
      const code = buildCreditCode(kind, regionCode, body());
      if (!codes.has(code)) {
        codes.add(code);
        return code;
      }
    }
  };
  for (const r of RESEARCH_ORGS) {
    orgs.push({
      key: r.key,
      type: r.type,
      name: r.name,
      creditCode: creditCode('12', r.regionCode, () => `4${digits(rng, 7)}`),
      regionCode: r.regionCode,
      subCentreCode: cityCodeOf(r.regionCode),
      partyNature: r.type === 'university' ? '022' : '021',
      fields: [...r.fields],
    });
  }
  const brands = rng.sample(ENTERPRISE_BRANDS, DEMO_COUNTS.enterprises);
  for (let k = 0; k < DEMO_COUNTS.enterprises; k++) {
    const field = FIELD_CODES[k % FIELD_CODES.length]!;
    const city = JIANGSU_CITIES[k % JIANGSU_CITIES.length]!;
    const district = rng.pick(city.districts);
    const industry = rng.pick(fieldTemplate(field).industries);
    const suffix = rng.chance(0.2) ? '股份有限公司' : '有限公司';
    const fields: FieldCode[] = [field];
    if (rng.chance(0.3)) {
      const other = rng.pick(FIELD_CODES);
      if (other !== field) fields.push(other);
    }
    orgs.push({
      key: `ent-${String(k + 1).padStart(2, '0')}`,
      type: 'enterprise',
      name: `${city.name}${brands[k]}${industry}${suffix}`,
      creditCode: creditCode('91', district.code, () => {
        let body = `MA${rng.int(1, 2)}`;
        for (let c = 0; c < 5; c++) body += rng.pick([...ORG_BODY_CHARS]);
        return body;
      }),
      regionCode: district.code,
      subCentreCode: city.code,
      partyNature: '100',
      fields,
    });
  }
  for (const s of SERVICE_ORGS) {
    const lawFirm = s.kind === '法律';
    orgs.push({
      key: s.key,
      type: s.kind === '技术转移' ? 'transfer_institution' : 'service_institution',
      name: s.name,
      // law firms are registered by the justice administration (31); the rest are companies (91)
      creditCode: creditCode(lawFirm ? '31' : '91', s.regionCode, () =>
        lawFirm ? digits(rng, 8) : `MA${rng.int(1, 2)}${digits(rng, 5)}`,
      ),
      regionCode: s.regionCode,
      subCentreCode: cityCodeOf(s.regionCode),
      // 900 "other" for law firms is an assumption; DOMAIN.md names only 021, 022 and 100
      partyNature: lawFirm ? '900' : '100',
      serviceKind: s.kind,
    });
  }
  return orgs;
}

function personName(rng: Rng): string {
  const given = rng.chance(0.7) ? rng.pick(GIVEN_CHARS) + rng.pick(GIVEN_CHARS) : rng.pick(GIVEN_CHARS);
  return rng.pick(SURNAMES) + given;
}

function phone(rng: Rng): string {
  return rng.pick(PHONE_PREFIXES) + digits(rng, 8);
}

function isoDate(year: number, month: number, day: number): string {
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function randomDate(rng: Rng, fromYear: number, toYear: number, toMonth = 12): string {
  const year = rng.int(fromYear, toYear);
  const month = rng.int(1, year === toYear ? toMonth : 12);
  return isoDate(year, month, rng.int(1, 28));
}

function experts(rng: Rng, orgs: Organisation[]): Expert[] {
  const research = orgs.filter((o) => o.type === 'university' || o.type === 'institute');
  const enterprises = orgs.filter((o) => o.type === 'enterprise');
  const names = new Set<string>();
  const out: Expert[] = [];
  for (let k = 0; k < DEMO_COUNTS.experts; k++) {
    const academic = k % 5 !== 4;
    const org = academic ? research[k % research.length]! : rng.pick(enterprises);
    let name = personName(rng);
    while (names.has(name)) name = personName(rng);
    names.add(name);
    const orgFields = org.fields ?? [rng.pick(FIELD_CODES)];
    const fields = orgFields.slice(0, rng.int(1, Math.min(2, orgFields.length)));
    const topic = rng.pick(fieldTemplate(fields[0]!).topics);
    const expertise = [
      topic.subject,
      ...rng.sample(topic.keyTechs, 2),
      ...rng.sample(topic.keywords, rng.int(1, 2)),
    ];
    if (fields[1]) expertise.push(rng.pick(fieldTemplate(fields[1]).topics).subject);
    out.push({
      name,
      title: rng.pick(academic ? EXPERT_TITLES_ACADEMIC : EXPERT_TITLES_INDUSTRY),
      organisationKey: org.key,
      fields,
      expertise: [...new Set(expertise)],
    });
  }
  return out;
}

const TRL_WEIGHTS = [1, 2, 7, 14, 20, 22, 17, 11, 6];
const DEAL_METHODS: readonly DealMethod[] = ['negotiated', 'listed', 'auction', 'tender', 'bidding'];
const DEAL_WEIGHTS = [55, 25, 7, 5, 8];
const MODES: readonly TransferMode[] = [
  'transfer',
  'license_exclusive',
  'license_sole',
  'license_nonexclusive',
  'equity',
  'co_development',
  'use_first',
  'research_first',
];
const MODE_WEIGHTS = [10, 5, 2, 6, 3, 8, 2, 2];

function modes(rng: Rng, max: number): TransferMode[] {
  const out = new Set<TransferMode>();
  const n = rng.int(1, max);
  while (out.size < n) out.add(MODES[rng.weighted(MODE_WEIGHTS)]!);
  return MODES.filter((m) => out.has(m));
}

/** A log-uniform amount in yuan between lo and hi, leaning up with `lean` in [0,1], rounded to 10,000 yuan. */
function amountYuan(rng: Rng, lo: number, hi: number, lean: number): number {
  const u = Math.min(1, lean * 0.6 + rng.next() * 0.4);
  const v = Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * u);
  return Math.max(lo, Math.min(hi, Math.round(v / 10_000) * 10_000));
}

function achievements(rng: Rng, orgs: Organisation[], people: Expert[]): Achievement[] {
  const research = orgs.filter((o) => o.type === 'university' || o.type === 'institute');
  const titles = new Set<string>();
  const serials = new Map<string, number>();
  const out: Achievement[] = [];
  for (let k = 0; k < DEMO_COUNTS.achievementsPerField * FIELD_CODES.length; k++) {
    const field = FIELD_CODES[k % FIELD_CODES.length]!;
    const template = fieldTemplate(field);
    const owners = research.filter((o) => o.fields?.includes(field));
    // organisations are more active in the fields listed first
    const owner = owners[rng.weighted(owners.map((o) => 4 - Math.min(3, o.fields!.indexOf(field))))]!;
    const topic =
      template.topics[(Math.floor(k / FIELD_CODES.length) + rng.int(0, 1)) % template.topics.length]!;
    let title = achievementTitle(rng, topic);
    for (let tries = 0; titles.has(title) && tries < 100; tries++) title = achievementTitle(rng, topic);
    if (titles.has(title)) continue;
    titles.add(title);
    const trl = rng.weighted(TRL_WEIGHTS) + 1;
    const completedOn = randomDate(rng, 2016, 2026, 6);
    const year = Number(completedOn.slice(0, 4));
    const text = achievementText(rng, topic, title, trl, cityOf(owner.regionCode).name);
    let dealMethod = DEAL_METHODS[rng.weighted(DEAL_WEIGHTS)]!;
    let priceFen: number | null = amountYuan(rng, 50_000, 50_000_000, (trl - 1) / 8) * 100;
    if (rng.chance(0.3)) {
      priceFen = null;
      dealMethod = 'negotiated'; // a listing without a price can only be negotiated
    }
    const leads = people.filter((p) => p.organisationKey === owner.key && p.fields.includes(field));
    const team = new Set<string>(leads.length > 0 ? [rng.pick(leads).name] : []);
    const size = rng.int(3, 6);
    while (team.size < size) team.add(personName(rng));
    const serial = (serials.get(owner.key) ?? 0) + 1;
    serials.set(owner.key, serial);
    out.push({
      externalId: `${owner.key.toUpperCase()}-${year}-${String(serial).padStart(4, '0')}`,
      ownerKey: owner.key,
      title,
      summary: text.summary,
      description: text.description,
      indicators: text.indicators,
      keywords: text.keywords,
      field,
      trl,
      ipItems: ipItems(rng, topic, field, year),
      transferModes: modes(rng, 3),
      dealMethod,
      priceFen,
      regionCode: owner.regionCode,
      team: [...team],
      contact: {
        name: rng.chance(0.5) ? [...team][0]! : personName(rng),
        phone: phone(rng),
        email: `kjc${String(rng.int(1, 99)).padStart(2, '0')}@${owner.key}.example`,
      },
      completedOn,
    });
  }
  return out;
}

function needs(rng: Rng, orgs: Organisation[]): Need[] {
  const enterprises = orgs.filter((o) => o.type === 'enterprise');
  const titles = new Set<string>();
  const out: Need[] = [];
  for (let k = 0; k < DEMO_COUNTS.needsPerField * FIELD_CODES.length; k++) {
    const field = FIELD_CODES[k % FIELD_CODES.length]!;
    const template = fieldTemplate(field);
    const candidates = enterprises.filter((o) => o.fields?.includes(field));
    const owner = rng.pick(candidates.length > 0 ? candidates : enterprises);
    const topic = rng.pick(template.topics);
    let title = needTitle(rng, topic);
    for (let tries = 0; titles.has(title) && tries < 100; tries++)
      title = needTitle(rng, rng.pick(template.topics));
    titles.add(title);
    const minTrl = rng.weighted([1, 3, 5, 6, 4, 2]) + 3;
    const preferredModes = modes(rng, 3);
    const text = needText(rng, topic, industryOf(owner, template.industries), preferredModes, minTrl);
    const min = amountYuan(rng, 100_000, 5_000_000, rng.next());
    const max = Math.round((min * (1.5 + rng.next() * 2.5)) / 10_000) * 10_000;
    out.push({
      externalId: `XQ-2026-${String(k + 1).padStart(5, '0')}`,
      ownerKey: owner.key,
      title,
      description: text.description,
      targetIndicators: text.targetIndicators,
      field,
      budgetMinFen: min * 100,
      budgetMaxFen: max * 100,
      deadline: randomDate(rng, 2027, 2027),
      preferredModes,
      minTrl,
      regionCode: owner.regionCode,
    });
  }
  return out;
}

/** The industry word inside an enterprise name (…{industry}有限公司), or one from the field. */
function industryOf(owner: Organisation, industries: readonly string[]): string {
  return industries.find((i) => owner.name.includes(i)) ?? industries[0]!;
}

export function generateDemo(seed = 1): DemoData {
  const rng = mulberry32(seed);
  const orgs = organisations(rng);
  const people = experts(rng, orgs);
  return {
    subCentres: subCentres(),
    organisations: orgs,
    achievements: achievements(rng, orgs, people),
    needs: needs(rng, orgs),
    experts: people,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const data = generateDemo(Number(process.argv[2] ?? 1));
  const counts = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, (v as unknown[]).length]));
  console.log(counts);
  console.log(JSON.stringify({ achievement: data.achievements[0], need: data.needs[0] }, null, 2));
}
