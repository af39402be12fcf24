import { registerMessages } from '../../platform/messages.js';

registerMessages({
  'assessment-achievement-not-found': {
    title: { 'zh-CN': '科技成果不存在', en: 'No such achievement' },
  },
  'evaluation-panel-too-small': {
    title: { 'zh-CN': '可抽取的评价专家不足', en: 'Not enough experts for the panel' },
    detail: {
      'zh-CN': '领域 {field} 中无利益冲突的评价专家仅 {available} 位，需要 {needed} 位。',
      en: 'Field {field} has {available} experts without a conflict of interest; {needed} are needed.',
    },
  },
  'evaluation-buyer-not-found': {
    title: { 'zh-CN': '买方机构不存在', en: 'No such buyer organisation' },
  },
  'evaluation-scores-submitted': {
    title: { 'zh-CN': '您已提交评分', en: 'You have already scored this evaluation' },
  },
  'evaluation-concluded': {
    title: { 'zh-CN': '评价已完成', en: 'The evaluation is concluded' },
  },
  'evaluation-expert-not-found': {
    title: { 'zh-CN': '专家或用户不存在', en: 'No such expert or user' },
  },
  'valuation-value-required': {
    title: { 'zh-CN': '须填写评估值或评估区间', en: 'A value or a range is required' },
    detail: {
      'zh-CN': '请给出 valueFen，或 minFen 与 maxFen（minFen ≤ maxFen），二者择一。',
      en: 'Give valueFen, or minFen and maxFen (minFen ≤ maxFen), not both.',
    },
  },
  'valuation-base-date': {
    title: { 'zh-CN': '评估基准日无效', en: 'Invalid base date' },
  },
});
