import { registerMessages } from '../../platform/messages.js';

registerMessages({
  'catalog-organisation-required': {
    title: { 'zh-CN': '需要以机构身份操作', en: 'An organisation is required' },
    detail: {
      'zh-CN': '发布成果或需求须代表一个机构；请使用机构成员或机构客户端的令牌。',
      en: 'Listings are published for an organisation; use a token of a member or client of one.',
    },
  },
  'catalog-unknown-organisation': {
    title: { 'zh-CN': '机构不存在', en: 'Unknown organisation' },
  },
  'catalog-external-id-taken': {
    title: { 'zh-CN': '外部编号已被本机构的另一条记录使用', en: 'The external id is already used' },
    detail: {
      'zh-CN': '同一机构内外部编号必须唯一；如需更新请使用批量接口或修改原记录。',
      en: 'External ids are unique within an organisation; update the existing listing instead.',
    },
  },
  'catalog-merge-target-invalid': {
    title: { 'zh-CN': '不能合并到该记录', en: 'Cannot merge into that listing' },
    detail: {
      'zh-CN': '合并目标须为另一条未撤回、未被合并的同类记录。',
      en: 'The target must be another listing of the same kind, neither withdrawn nor merged.',
    },
  },
});
