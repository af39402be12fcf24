/**
 * Topic-level judgments for the generated achievements of `bench-match` / `match-diagnose`.
 *
 * The demo generator (src/modules/catalog/demo/templates) writes every achievement from one of 72 topics,
 * ~1,400 near-identical variants per topic at 100,000 documents, and 54 of the devset's 55 needs ask
 * for exactly one of those topics. The devset's judgments know nothing of them (unjudged = grade 0),
 * so once they are indexed nDCG@10 mostly measures whether the 305 devset achievements outrank their
 * ~1,400 on-topic twins — not matching quality. Here, for each need, the template topic (its
 * `subject`, which every generated title contains) that would answer it, with a grade on the devset
 * scale: 2 when the topic is the technology the need asks for, 1 when it is only related. Judged by
 * one reader from the need's text and the topic's subject and scenes: provisional, topic-level (a
 * variant written for another scene of the topic counts the same), for diagnosis, not for claims.
 */
import { FIELD_TEMPLATES } from '../../src/modules/catalog/demo/templates/fields.js';
import type { Grade } from '../data/match-devset/index.js';

// longest first, so a subject that contains another (none today) is matched whole
const SUBJECTS = FIELD_TEMPLATES.flatMap((f) => f.topics.map((t) => t.subject)).sort(
  (a, b) => b.length - a.length,
);

/** The template topic a generated achievement was written from: its title contains the subject. */
export function topicOf(title: string): string {
  return SUBJECTS.find((s) => title.includes(s)) ?? '?';
}

/**
 * Extra grades for one need's ranking: each generated id in `ranked` gets its topic's grade, and the
 * ideal ranking gets up to 10 placeholder documents per judged topic that has that many variants.
 */
export function topicGrades(
  needId: string,
  ranked: readonly string[],
  topicOfId: (id: string) => string | undefined,
  topicSizes: ReadonlyMap<string, number>,
): [string, Grade][] {
  const judged = TOPIC_JUDGMENTS[needId] ?? {};
  const out: [string, Grade][] = [];
  for (const id of ranked) {
    const topic = topicOfId(id);
    if (topic !== undefined) out.push([id, judged[topic] ?? 0]);
  }
  for (const [topic, grade] of Object.entries(judged)) {
    const n = Math.min(10, topicSizes.get(topic) ?? 0);
    for (let v = 0; v < n; v++) out.push([`ideal-${topic}-${v}`, grade]);
  }
  return out;
}

// biome-ignore format: one need a line reads better
export const TOPIC_JUDGMENTS: Readonly<Record<string, Readonly<Record<string, Grade>>>> = {
  'DN-01-01': { 带钢表面缺陷在线检测: 2 },
  'DN-01-02': { 工业互联网边缘计算网关: 2 },
  'DN-01-03': { 工业领域大模型知识问答: 2 },
  'DN-01-04': { 碳化硅功率MOSFET器件: 2 },
  'DN-01-05': { 北斗高精度定位终端: 2 },
  'DN-01-06': { 隐私计算数据共享: 2 },
  'DN-02-01': { 工业机器人RV减速器: 2 },
  'DN-02-02': { 五轴联动数控机床: 1 },
  'DN-02-03': { 重载自动导引车: 2 },
  'DN-02-04': { 可编程逻辑控制器: 2 },
  'DN-02-05': { 盾构机主轴承: 2 },
  'DN-02-06': {},
  'DN-03-01': { 石墨烯导热膜: 2 },
  'DN-03-02': { '全生物降解PBAT/PLA共混材料': 2 },
  'DN-03-03': { T800级碳纤维复合材料: 1 },
  'DN-03-04': { 电子级高纯湿化学品: 2 },
  'DN-03-05': { 氮化硅陶瓷轴承球: 2 },
  'DN-03-06': { 高性能钕铁硼永磁材料: 2 },
  'DN-04-01': { 全人源单克隆抗体: 2 },
  'DN-04-02': { 化学发光免疫诊断试剂: 2 },
  'DN-04-03': { 依克多因: 2 },
  'DN-04-04': { 可降解镁合金血管支架: 2 },
  'DN-04-05': { 'CAR-T细胞': 1 },
  'DN-04-06': { 工业酶制剂: 2 },
  'DN-05-01': { 动力电池热管理: 2 },
  'DN-05-02': { 退役动力电池回收: 2 },
  'DN-05-03': { 扁线油冷驱动电机: 2 },
  'DN-05-04': { 电池管理系统: 2 },
  'DN-05-05': { 硅碳负极材料: 2 },
  'DN-05-06': { 大功率液冷超充: 2 },
  'DN-05-07': { 多传感器融合环境感知: 2 },
  'DN-06-01': { TOPCon晶硅太阳能电池: 2 },
  'DN-06-02': { '钙钛矿/晶硅叠层电池': 2 },
  'DN-06-03': { 风电机组智能运维: 2 },
  'DN-06-04': { 全钒液流电池储能: 2 },
  'DN-06-05': { 质子交换膜电解水制氢: 2 },
  'DN-06-06': { 构网型储能变流器: 2 },
  'DN-07-01': { 高盐废水零排放: 2 },
  'DN-07-02': { 挥发性有机物治理: 2 },
  'DN-07-03': { 低温SCR脱硝催化剂: 2 },
  'DN-07-04': { 市政污泥干化焚烧: 2 },
  'DN-07-05': { 工业余热有机朗肯循环发电: 2 },
  'DN-07-06': { 磁悬浮离心鼓风机: 2 },
  'DN-08-01': { 文物三维数字化采集: 2 },
  'DN-08-02': { 虚拟现实实训: 2 },
  'DN-08-03': { 生成式人工智能内容创作: 2 },
  'DN-08-04': { 超写实数字人: 2 },
  'DN-08-05': { 超高清视频编码: 2 },
  'DN-08-06': { 城市数字孪生可视化: 2 },
  'DN-09-01': { 科技成果价值评估: 2 },
  'DN-09-02': { 专利大数据分析: 2 },
  'DN-09-03': { 在线计量校准: 2 },
  'DN-09-04': { 工业产品设计: 2 },
  'DN-09-05': { 科技型企业信用评价: 2 },
  'DN-09-06': { 制造业供应链协同: 2 },
};
