// Shapes of the per-field templates the demo generator composes titles and texts from.

/** The 9 strategic emerging industry fields (战略性新兴产业分类 2018), coded '01'..'09'. */
export type FieldCode = '01' | '02' | '03' | '04' | '05' | '06' | '07' | '08' | '09';

/** A key technical indicator with a plausible range; `better` says which direction is an improvement. */
export interface IndicatorTemplate {
  label: string;
  unit: string;
  min: number;
  max: number;
  decimals?: number;
  better: 'up' | 'down';
}

/**
 * One coherent technology topic. Titles are composed as
 * 「{gain}{subject}{form}」, 「基于{method}的{subject}{form}」 or 「面向{scene}的{gain}{subject}{form}」,
 * so every list must read well in those slots.
 */
export interface Topic {
  /** the technology object, e.g. 高镍三元正极材料 */
  subject: string;
  /** what the achievement is, e.g. 制备技术, 在线检测系统 */
  forms: string[];
  /** noun phrases that fit 「基于…的」 */
  methods: string[];
  /** application scenes that fit 「面向…的」 */
  scenes: string[];
  /** improvement prefixes, e.g. 低成本, 高精度 */
  gains: string[];
  /** problems the technology solves, phrased to follow 「存在…」 */
  pains: string[];
  /** what enterprises do today (used in needs) */
  current: string[];
  /** what an enterprise asks for, appended to the subject in need titles, e.g. 循环寿命提升 */
  asks: string[];
  /** key technologies broken through */
  keyTechs: string[];
  indicators: IndicatorTemplate[];
  keywords: string[];
}

export interface FieldTemplate {
  code: FieldCode;
  name: string;
  /** industries an enterprise of this field is in, used for company names, e.g. 智能装备 */
  industries: string[];
  topics: Topic[];
}
