// Composes titles, summaries, descriptions and IP items from a field topic.
import { buildPatentNumber } from './identifiers.js';
import type { IpItem, IpKind, TransferMode } from './model.js';
import { TRANSFER_MODE_NAMES } from './model.js';
import type { Rng } from './random.js';
import type { IndicatorTemplate, Topic } from './types.js';

export function drawValue(rng: Rng, ind: IndicatorTemplate, bias = 0.5): number {
  // bias 1 → values near the "better" end of the range
  const u = Math.min(1, Math.max(0, rng.next() * 0.6 + bias * 0.4));
  const t = ind.better === 'up' ? u : 1 - u;
  const v = ind.min + (ind.max - ind.min) * t;
  const f = 10 ** (ind.decimals ?? 0);
  return Math.round(v * f) / f;
}

export function formatIndicator(ind: IndicatorTemplate, value: number): string {
  const op = ind.better === 'up' ? '≥' : '≤';
  return `${ind.label}${op}${value.toFixed(ind.decimals ?? 0)}${ind.unit}`;
}

export function achievementTitle(rng: Rng, t: Topic): string {
  const form = rng.pick(t.forms);
  switch (rng.int(0, 3)) {
    case 0:
      return `${rng.pick(t.gains)}${t.subject}${form}`;
    case 1:
      return `基于${rng.pick(t.methods)}的${t.subject}${form}`;
    case 2:
      return `面向${rng.pick(t.scenes)}的${rng.pick(t.gains)}${t.subject}${form}`;
    default:
      return `面向${rng.pick(t.scenes)}的${t.subject}${form}`;
  }
}

const TESTERS = [
  '第三方检测机构',
  '省级产品质量检验机构',
  '国家级质检中心',
  '合作企业现场',
  'CNAS认可实验室',
];
const BENCHMARKS = ['传统工艺', '国内同类产品', '进口同类产品', '现有主流方案'];
const VERBS = ['研发了', '提出并实现了', '开发了', '研制了'];
const RELATIVE_LABEL = /(提升|降低|减少|缩短|提高)$/;

function stageSentence(rng: Rng, trl: number, cityName: string): string {
  if (trl <= 3) return '目前已完成原理验证和实验室小试，具备进一步工程化开发的条件。';
  if (trl === 4) return '目前已完成实验室样机研制，关键性能在实验室环境中得到验证。';
  if (trl === 5) return '目前已完成中试样机，并在模拟应用环境中完成验证。';
  if (trl === 6) return `已在${cityName}一家企业完成中试验证，连续运行${rng.int(3, 20) * 100}小时性能稳定。`;
  if (trl === 7) return `已在${cityName}等地开展示范应用，累计稳定运行${rng.int(6, 24)}个月。`;
  if (trl === 8) return '已完成产品定型并通过第三方检测认证，具备批量生产条件。';
  const output = rng.int(2, 60) * 1000;
  const amount = output >= 10_000 ? `${(output / 10_000).toFixed(1)}亿元` : `${output}万元`;
  return `已在${rng.int(5, 40)}家企业实现规模化应用，累计新增产值约${amount}。`;
}

export interface AchievementText {
  summary: string;
  description: string;
  indicators: string[];
  keywords: string[];
}

export function achievementText(
  rng: Rng,
  t: Topic,
  title: string,
  trl: number,
  cityName: string,
): AchievementText {
  const bias = (trl - 1) / 8;
  const inds = rng.sample(t.indicators, rng.int(2, t.indicators.length));
  const indicators = inds.map((ind) => formatIndicator(ind, drawValue(rng, ind, bias)));
  const [kt1, kt2] = rng.sample(t.keyTechs, 2);
  const titleScene = t.scenes.find((x) => title.includes(x));
  const scene = titleScene ?? rng.pick(t.scenes);
  const sentences = [
    `${titleScene ? '' : `面向${scene}，`}针对${rng.pick(t.pains)}的问题，本成果${rng.pick(VERBS)}${title}。`,
    `项目团队攻克了${kt1}、${kt2}等关键技术${rng.chance(0.5) ? `，采用${rng.pick(t.methods)}技术路线` : ''}。`,
    `经${rng.pick(TESTERS)}测试，${indicators.join('，')}。`,
  ];
  const absolute = inds.filter((ind) => !RELATIVE_LABEL.test(ind.label) && ind.unit !== '%');
  if (absolute.length > 0 && rng.chance(0.7)) {
    const ind = rng.pick(absolute);
    const dir = ind.better === 'up' ? '提高' : '降低';
    sentences.push(`与${rng.pick(BENCHMARKS)}相比，${ind.label}${dir}${rng.int(12, 60)}%。`);
  }
  sentences.push(stageSentence(rng, trl, cityName));
  if (sentences.length < 5 || rng.chance(0.5)) {
    const others = rng.sample(t.scenes, 2);
    sentences.push(`成果可推广应用于${others.join('、')}等领域。`);
  }
  const summary = rng.chance(0.5)
    ? `通过${kt1}、${kt2}等关键技术，实现${indicators[0]}，适用于${scene}。`
    : `${title}，${indicators[0]}，${trl >= 7 ? '已实现工程应用' : trl >= 5 ? '已完成中试验证' : '处于实验室研究阶段'}。`;
  const keywords = [...rng.sample(t.keywords, rng.int(3, 5))];
  if (rng.chance(0.4) && !keywords.includes(scene)) keywords.push(scene);
  return { summary, description: sentences.join(''), indicators, keywords };
}

const DEVICE_LIKE =
  /系统|装置|装备|设备|终端|网关|机器人|机床|减速器|轴承|电机|变流器|鼓风机|机组|电解槽|支架|芯片|器件|超充|转向架|控制器/;
const SOFTWARE_HEAVY = new Set(['01', '08', '09']);

function ipTitle(rng: Rng, t: Topic, kind: IpKind): string {
  const kt = rng.pick(t.keyTechs);
  switch (kind) {
    case 'invention_patent':
      return /(方法|体系|技术)$/.test(kt) ? `一种用于${t.subject}的${kt}` : `一种用于${t.subject}的${kt}方法`;
    case 'utility_model':
      return `一种用于${t.subject}的${kt}装置`;
    case 'software_copyright':
      return `${t.subject}${rng.pick(['数据分析软件', '工艺管理软件', '在线监测软件', '仿真设计软件'])}V${rng.int(1, 3)}.0`;
    default:
      return `${kt}技术秘密`;
  }
}

export function ipItems(rng: Rng, t: Topic, field: string, completedYear: number): IpItem[] {
  const deviceLike = DEVICE_LIKE.test(t.subject + t.forms.join(''));
  const weights: Record<IpKind, number> = {
    invention_patent: 6,
    utility_model: deviceLike ? 3 : 0,
    software_copyright: SOFTWARE_HEAVY.has(field) ? 5 : 1,
    know_how: 1,
  };
  const kinds = Object.keys(weights) as IpKind[];
  const items: IpItem[] = [];
  const seen = new Set<string>();
  const n = rng.int(1, 4);
  for (let k = 0; k < n * 3 && items.length < n; k++) {
    const kind = kinds[rng.weighted(kinds.map((x) => weights[x]))]!;
    const title = ipTitle(rng, t, kind);
    if (seen.has(title)) continue;
    seen.add(title);
    const year = completedYear - rng.int(0, 4);
    const serial = 1_000_000 + rng.int(0, 899_999);
    const number =
      kind === 'invention_patent'
        ? buildPatentNumber(year, 1, serial)
        : kind === 'utility_model'
          ? buildPatentNumber(year, 2, serial)
          : kind === 'software_copyright'
            ? `${year}SR${String(rng.int(1, 1_999_999)).padStart(7, '0')}`
            : undefined;
    items.push(number === undefined ? { kind, title } : { kind, number, title });
  }
  return items;
}

export function needTitle(rng: Rng, t: Topic): string {
  const ask = rng.pick(t.asks);
  switch (rng.int(0, 2)) {
    case 0:
      return `${t.subject}${ask}技术需求`;
    case 1:
      return `${rng.pick(t.scenes)}${t.subject}${ask}`;
    default:
      return `寻求${t.subject}${ask}解决方案`;
  }
}

const VERB_START =
  /^(采用|使用|依靠|依赖|委托|采购|购买|外购|部署|按|定期|仅|已|通过|外包|整套|少量|掺烧|挖掘|脱水|稀释|露天|低价|人工|参照|模仿|各设备|故障后|设计师|自研|外协|现场)/;

/** 甲 / 甲或乙 / 甲、乙或丙 */
function orList(items: readonly string[]): string {
  return items.length <= 1
    ? (items[0] ?? '')
    : `${items.slice(0, -1).join('、')}或${items[items.length - 1]}`;
}

/** Template "current practice" entries are verb phrases or bare nouns; make them read after 目前. */
function asClause(current: string): string {
  return VERB_START.test(current) ? current : `采用${current}`;
}

export interface NeedText {
  description: string;
  targetIndicators: string[];
}

export function needText(
  rng: Rng,
  t: Topic,
  industry: string,
  modes: readonly TransferMode[],
  minTrl: number,
): NeedText {
  const targets = rng
    .sample(t.indicators, rng.int(2, Math.min(3, t.indicators.length)))
    .map((ind) => formatIndicator(ind, drawValue(rng, ind, 0.6)));
  const scene = rng.pick(t.scenes);
  const sentences = [
    `我公司主要从事${industry}相关产品的研发与生产，在服务${scene}客户时面临${rng.pick(t.pains)}的问题。`,
    `目前${asClause(rng.pick(t.current))}，${rng.pick(['已难以满足生产需要', '效率和成本均不理想', '难以满足客户对质量和成本的要求', '制约了产品升级'])}。`,
    `现寻求${t.subject}相关技术，重点解决${rng.sample(t.keyTechs, 2).join('、')}等问题。`,
    `希望以${orList(modes.map((m) => TRANSFER_MODE_NAMES[m]))}方式合作，目标指标：${targets.join('；')}。`,
    `要求技术成熟度不低于${minTrl}级，${rng.pick(['可提供中试场地和测试条件', '可配套研发团队共同攻关', '项目周期不超过18个月', '验收后分期支付'])}。`,
  ];
  return { description: sentences.join(''), targetIndicators: targets };
}
