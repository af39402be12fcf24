// Research organisations, enterprise name parts and service institutions used by the demo generator.
// University names are real Jiangsu universities; everything they "publish" here is demo data.
import type { FieldCode } from './types.js';

export interface ResearchOrgSeed {
  key: string;
  name: string;
  type: 'university' | 'institute';
  regionCode: string;
  /** fields the organisation publishes in, most active first */
  fields: FieldCode[];
}

const u = (key: string, name: string, regionCode: string, fields: FieldCode[]): ResearchOrgSeed => ({
  key,
  name,
  type: 'university',
  regionCode,
  fields,
});
const i = (key: string, name: string, regionCode: string, fields: FieldCode[]): ResearchOrgSeed => ({
  key,
  name,
  type: 'institute',
  regionCode,
  fields,
});

export const RESEARCH_ORGS: readonly ResearchOrgSeed[] = [
  u('nju', '南京大学', '320106', ['01', '03', '04', '07']),
  u('seu', '东南大学', '320102', ['01', '02', '06', '09']),
  u('nuaa', '南京航空航天大学', '320104', ['02', '03', '05']),
  u('njust', '南京理工大学', '320102', ['02', '03', '01', '06']),
  u('hhu', '河海大学', '320106', ['06', '07', '09']),
  u('njtech', '南京工业大学', '320111', ['03', '04', '07', '05']),
  u('njupt', '南京邮电大学', '320113', ['01', '08']),
  u('nuist', '南京信息工程大学', '320111', ['01', '07', '06']),
  u('njau', '南京农业大学', '320102', ['04', '07']),
  u('njfu', '南京林业大学', '320102', ['03', '06', '07']),
  u('cpu', '中国药科大学', '320115', ['04']),
  u('njmu', '南京医科大学', '320115', ['04', '08']),
  u('njnu', '南京师范大学', '320113', ['08', '01', '09']),
  u('njucm', '南京中医药大学', '320113', ['04']),
  u('jiangnan', '江南大学', '320211', ['04', '03', '08', '02']),
  u('suda', '苏州大学', '320508', ['03', '04', '06', '08']),
  u('cumt', '中国矿业大学', '320311', ['02', '07', '06']),
  u('ujs', '江苏大学', '321102', ['05', '02', '07']),
  u('yzu', '扬州大学', '321003', ['04', '02', '07']),
  u('ntu', '南通大学', '320613', ['04', '02', '08']),
  u('cczu', '常州大学', '320412', ['03', '06', '05', '07']),
  u('just', '江苏科技大学', '321102', ['02', '03']),
  u('hyit', '淮阴工学院', '320812', ['03', '07', '09']),
  u('ycit', '盐城工学院', '320902', ['05', '06', '02']),
  u('jou', '江苏海洋大学', '320706', ['04', '02', '07']),
  u('jsnu', '江苏师范大学', '320312', ['08', '09', '01']),
  i('jsees', '江苏省先进储能技术研究院', '320412', ['05', '06']),
  i('wxisa', '无锡智能感知技术研究院', '320214', ['01', '05']),
  i('szope', '苏州先进光电材料研究院', '320505', ['03', '06', '01']),
  i('njbio', '南京生物医药创新研究院', '320111', ['04']),
  i('xzcm', '徐州工程机械技术研究院', '320312', ['02']),
  i('ntoe', '南通海洋工程装备研究院', '320613', ['02', '06']),
  i('ycne', '盐城新能源技术研究院', '320902', ['06', '05']),
  i('yzep', '扬州节能环保装备研究院', '321003', ['07']),
  i('tzhealth', '泰州医药健康技术研究院', '321202', ['04']),
  i('zjship', '镇江船舶与海洋工程技术研究所', '321102', ['02', '03']),
  i('czgraph', '常州碳材料应用技术研究院', '320412', ['03']),
  i('lygpharm', '连云港新医药研究院', '320706', ['04']),
  i('hasalt', '淮安盐化工新材料研究所', '320812', ['03', '07']),
  i('sqdigital', '宿迁数字创意产业研究院', '321302', ['08', '09']),
];

/** Fictional two-character brand names for enterprises (字号); none is meant to name a real company. */
export const ENTERPRISE_BRANDS: readonly string[] = [
  '恒锐',
  '博擎',
  '澄川',
  '汇拓',
  '立晟',
  '华琨',
  '瑞迈',
  '科曜',
  '智衡',
  '嘉途',
  '锦程',
  '润禾',
  '天昱',
  '晟泰',
  '弘毅',
  '翔宇',
  '启航',
  '卓联',
  '远澜',
  '鼎信',
  '明湖',
  '星源',
  '云栖',
  '沐阳',
  '海岚',
  '拓微',
  '聚芯',
  '青禾',
  '盛桐',
  '宏纬',
  '赛诺',
  '中研',
  '泓川',
  '景宸',
  '拓谱',
  '凯斐',
  '睿驰',
  '金澜',
  '恒望',
  '维拓',
  '德沃',
  '安澜',
  '华琛',
  '伯乐',
  '致远',
  '捷迈',
  '齐航',
  '雅博',
  '慧科',
  '迈晟',
  '昊天',
  '晶麟',
  '易储',
  '澜舟',
  '丰禾',
  '蓝澄',
  '宁创',
  '泰和',
  '铂锐',
  '清芷',
  '瀚海',
  '正衡',
  '合创',
  '沁源',
  '玖川',
];

export type ServiceKind = '技术转移' | '知识产权' | '资产评估' | '投融资' | '法律' | '孵化';

export interface ServiceOrgSeed {
  key: string;
  name: string;
  kind: ServiceKind;
  regionCode: string;
}

const s = (key: string, name: string, kind: ServiceKind, regionCode: string): ServiceOrgSeed => ({
  key,
  name,
  kind,
  regionCode,
});

export const SERVICE_ORGS: readonly ServiceOrgSeed[] = [
  s('svc-tt-nj', '江苏汇智技术转移中心有限公司', '技术转移', '320111'),
  s('svc-tt-sz', '苏州联创技术转移服务有限公司', '技术转移', '320505'),
  s('svc-tt-xz', '徐州淮海科技成果转化服务中心有限公司', '技术转移', '320303'),
  s('svc-tt-tz', '泰州医药城技术转移有限公司', '技术转移', '321202'),
  s('svc-ip-nj', '南京知衡知识产权代理有限公司', '知识产权', '320105'),
  s('svc-ip-wx', '无锡慧权专利代理事务所（普通合伙）', '知识产权', '320214'),
  s('svc-ip-cz', '常州创信知识产权运营有限公司', '知识产权', '320411'),
  s('svc-av-nj', '江苏中正资产评估有限公司', '资产评估', '320104'),
  s('svc-av-nt', '南通华诚资产评估事务所有限公司', '资产评估', '320613'),
  s('svc-vc-sz', '苏州启元创业投资管理有限公司', '投融资', '320505'),
  s('svc-vc-nj', '江苏紫金科创投资管理有限公司', '投融资', '320106'),
  s('svc-law-nj', '江苏明衡律师事务所', '法律', '320106'),
  s('svc-law-wx', '江苏澄明律师事务所', '法律', '320213'),
  s('svc-inc-cz', '常州科创孵化器管理有限公司', '孵化', '320412'),
  s('svc-inc-yc', '盐城新能源科技企业孵化器有限公司', '孵化', '320902'),
  s('svc-inc-lyg', '连云港海州科技企业孵化器有限公司', '孵化', '320706'),
];
