// Jiangsu prefecture cities and a selection of their districts and counties (GB/T 2260).

export interface City {
  code: string;
  /** short name, e.g. 南京 */
  name: string;
  districts: readonly { code: string; name: string }[];
}

const d = (code: string, name: string) => ({ code, name });

export const JIANGSU_CITIES: readonly City[] = [
  {
    code: '320100',
    name: '南京',
    districts: [
      d('320102', '玄武区'),
      d('320104', '秦淮区'),
      d('320105', '建邺区'),
      d('320106', '鼓楼区'),
      d('320111', '浦口区'),
      d('320113', '栖霞区'),
      d('320114', '雨花台区'),
      d('320115', '江宁区'),
      d('320116', '六合区'),
      d('320117', '溧水区'),
    ],
  },
  {
    code: '320200',
    name: '无锡',
    districts: [
      d('320205', '锡山区'),
      d('320206', '惠山区'),
      d('320211', '滨湖区'),
      d('320213', '梁溪区'),
      d('320214', '新吴区'),
      d('320281', '江阴市'),
      d('320282', '宜兴市'),
    ],
  },
  {
    code: '320300',
    name: '徐州',
    districts: [
      d('320302', '鼓楼区'),
      d('320303', '云龙区'),
      d('320311', '泉山区'),
      d('320312', '铜山区'),
      d('320382', '邳州市'),
    ],
  },
  {
    code: '320400',
    name: '常州',
    districts: [
      d('320402', '天宁区'),
      d('320404', '钟楼区'),
      d('320411', '新北区'),
      d('320412', '武进区'),
      d('320413', '金坛区'),
      d('320481', '溧阳市'),
    ],
  },
  {
    code: '320500',
    name: '苏州',
    districts: [
      d('320505', '虎丘区'),
      d('320506', '吴中区'),
      d('320507', '相城区'),
      d('320508', '姑苏区'),
      d('320509', '吴江区'),
      d('320581', '常熟市'),
      d('320582', '张家港市'),
      d('320583', '昆山市'),
      d('320585', '太仓市'),
    ],
  },
  {
    code: '320600',
    name: '南通',
    districts: [
      d('320612', '通州区'),
      d('320613', '崇川区'),
      d('320614', '海门区'),
      d('320681', '启东市'),
      d('320682', '如皋市'),
      d('320685', '海安市'),
    ],
  },
  {
    code: '320700',
    name: '连云港',
    districts: [d('320703', '连云区'), d('320706', '海州区'), d('320707', '赣榆区'), d('320722', '东海县')],
  },
  {
    code: '320800',
    name: '淮安',
    districts: [d('320803', '淮安区'), d('320804', '淮阴区'), d('320812', '清江浦区'), d('320813', '洪泽区')],
  },
  {
    code: '320900',
    name: '盐城',
    districts: [
      d('320902', '亭湖区'),
      d('320903', '盐都区'),
      d('320904', '大丰区'),
      d('320925', '建湖县'),
      d('320981', '东台市'),
    ],
  },
  {
    code: '321000',
    name: '扬州',
    districts: [d('321002', '广陵区'), d('321003', '邗江区'), d('321012', '江都区'), d('321081', '仪征市')],
  },
  {
    code: '321100',
    name: '镇江',
    districts: [d('321102', '京口区'), d('321111', '润州区'), d('321112', '丹徒区'), d('321181', '丹阳市')],
  },
  {
    code: '321200',
    name: '泰州',
    districts: [d('321202', '海陵区'), d('321203', '高港区'), d('321204', '姜堰区'), d('321282', '靖江市')],
  },
  {
    code: '321300',
    name: '宿迁',
    districts: [d('321302', '宿城区'), d('321311', '宿豫区'), d('321322', '沭阳县')],
  },
];

/** The prefecture city code (xxxx00) a 6-digit Jiangsu region code belongs to. */
export function cityCodeOf(regionCode: string): string {
  return `${regionCode.slice(0, 4)}00`;
}

export function cityOf(regionCode: string): City {
  const c = JIANGSU_CITIES.find((x) => x.code === cityCodeOf(regionCode));
  if (!c) throw new Error(`not a Jiangsu region code: ${regionCode}`);
  return c;
}

/** Every region code the generator may emit: the 13 city codes and their listed districts. */
export const JIANGSU_REGION_CODES: ReadonlySet<string> = new Set(
  JIANGSU_CITIES.flatMap((c) => [c.code, ...c.districts.map((x) => x.code)]),
);
