import { patentCheckChar } from '../identity/identifiers.js';

// biome-ignore format: word lists
const GAINS = ['低成本', '高精度', '长寿命', '高通量', '低能耗', '智能化', '柔性', '轻量化', '高可靠', '快速', '绿色', '微型化', '大尺寸', '高安全', '超高纯', '宽温域', '自修复', '可降解', '高效率', '无人化', '一体化', '模块化', '高灵敏', '耐腐蚀', '低噪声', '高强度', '数字化', '多模态', '精准', '可回收'];
// biome-ignore format: word lists
const SUBJECTS = ['正极材料', '隔膜涂层', '光伏组件', '氢燃料电堆', '工业机器人', '激光雷达', '碳化硅器件', '基因测序仪', '疫苗佐剂', '污水处理膜', '储能变流器', '数控机床', '医用导管', '边缘网关', '无人机载荷', '传感芯片', '固态电解质', '生物农药', '可降解塑料', '风电叶片', '轨道扣件', '智能电表', '药物递送', '钙钛矿电池', '声学超材料', '食品检测', '纺织纤维', '玻璃基板', '陶瓷轴承', '水下机器人'];
// biome-ignore format: word lists
const FORMS = ['制备技术', '在线检测系统', '控制方法', '成套装备', '工艺包', '设计软件', '评价平台', '回收工艺', '封装结构', '驱动算法', '标定装置', '改性方法', '中试工艺', '运维平台', '测试方法', '集成方案', '表面处理', '涂覆工艺', '诊断试剂', '预测模型', '监测终端', '热管理', '连接结构', '纯化工艺', '成型模具', '编码方法', '调度系统', '识别算法', '合成路线', '加工方法'];

/** A title unlike the titles of nearby numbers (duplicate detection compares titles). */
export function fixtureTitle(n: number): string {
  const i = (n * 7919) % 27_000;
  return `${GAINS[i % 30]}${SUBJECTS[Math.floor(i / 30) % 30]}${FORMS[Math.floor(i / 900) % 30]}`;
}

/** Valid listing inputs for tests (and the benchmark); `n` varies every text and number. */
export function achievementFixture(n: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  const body = `2021${String(1_0000000 + n).slice(-8)}`.slice(0, 12).replace(/^(\d{4})\d/, '$11');
  return {
    externalId: `ACH-${n}`,
    title: fixtureTitle(n),
    summary: '将正极材料成本降低两成、循环寿命提升三成的连续化制备工艺',
    description: '针对现有高镍正极材料批次一致性差、成本高的问题，开发了连续共沉淀与低温烧结工艺。',
    indicators: ['比容量 ≥ 205 mAh/g', '1000 次循环容量保持率 ≥ 90%'],
    keywords: ['正极材料', '锂电池'],
    field: '03',
    trl: 6,
    ipItems: [
      {
        kind: 'invention_patent',
        number: `${body}.${patentCheckChar(body)}`,
        title: '一种高镍正极材料的制备方法',
      },
    ],
    transferModes: ['transfer', 'license_nonexclusive'],
    dealMethod: 'negotiated',
    priceFen: 50_000_000 + n,
    regionCode: '320115',
    team: ['王建国', '李华'],
    contacts: [{ name: '张老师', phone: '13812345678', email: 'zhang@example.edu.cn' }],
    confidential: { detailedIndicators: ['烧结温度 720 ℃，保温 12 h'], notes: '工艺窗口详见技术文件' },
    ...over,
  };
}

export function needFixture(n: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    externalId: `NEED-${n}`,
    title: `${fixtureTitle(n + 13)}需求`,
    description: '现有正极材料在高温下循环衰减快，寻求可量产的改性方案。',
    targetIndicators: ['45 ℃ 下 1000 次循环保持率 ≥ 85%'],
    keywords: ['正极材料'],
    field: '03',
    budgetMinFen: 100_000_000,
    budgetMaxFen: 300_000_000,
    deadline: '2027-06-30',
    preferredModes: ['co_development'],
    minTrl: 5,
    regionCode: '320505',
    ...over,
  };
}
