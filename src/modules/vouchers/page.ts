/**
 * The public voucher page (zh-CN): what the voucher says, what was checked, and a QR code that
 * leads back to this page, so a printed voucher can be checked with a phone. No script, no
 * external asset: the QR code is an inline SVG data URL (the page CSP allows `img-src data:`).
 */
import QRCode from 'qrcode';
import type { VoucherView } from './service.js';
import type { VerificationReport } from './verify.js';

const esc = (s: unknown): string =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** Fen to yuan with grouping: 123456789 → ¥1,234,567.89. */
export function formatFen(fen: number): string {
  const yuan = Math.floor(fen / 100).toLocaleString('en-US');
  return `¥${yuan}.${String(fen % 100).padStart(2, '0')}`;
}

const TYPE_NAMES: Record<string, string> = { technology_contract: '技术合同', data_product: '数据产品交易' };
const ROLE_NAMES: Record<string, string> = { seller: '卖方', buyer: '买方' };
const REASONS: Record<string, string> = {
  missing: '缺少证明材料',
  'bad-signature': '签名不正确',
  'unknown-kid': '签名密钥未公布',
  'bad-payload': '凭证内容格式不正确',
  malformed: '凭证不是合规的 JWS',
  'bad-header': '凭证头部不合规',
  'ambiguous-kid': '签名密钥重复公布',
  'unusable-key': '签名密钥不可用',
  'kid-not-thumbprint': '密钥标识不是密钥指纹',
  'bundle-number-differs': '凭证编号与内容不符',
  'tree-size-differs-from-checkpoint': '包含证明与检查点的树大小不符',
  'wrong-origin': '检查点不属于本日志',
  'no-known-signature': '检查点没有已公布密钥的签名',
  'index-beyond-status-list': '状态列表不含该凭证',
  'proof-does-not-match': '包含证明与检查点不符',
  'no-verified-checkpoint': '没有可信的检查点',
  'no-verified-leaf-index': '无法确定凭证在日志中的位置',
  revoked: '已撤销',
};

const STYLE = `body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1f2937;line-height:1.6}
h1{font-size:1.4rem}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e5e7eb;vertical-align:top}
th{width:9rem;color:#6b7280;font-weight:normal}.ok{color:#047857}.bad{color:#b91c1c}.badge{display:inline-block;padding:.1rem .6rem;border-radius:1rem;font-weight:bold}
.badge.ok{background:#d1fae5}.badge.bad{background:#fee2e2}code{font-size:.85em;word-break:break-all}.qr{float:right;margin:0 0 1rem 1rem;text-align:center;font-size:.8rem;color:#6b7280}
.qr img{width:10rem;height:10rem}footer{margin-top:2rem;font-size:.85rem;color:#6b7280}`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${STYLE}</style></head>
<body>${body}</body></html>
`;
}

function check(label: string, c: { ok: boolean; reason?: string }, detail = ''): string {
  const mark = c.ok
    ? '<span class="ok">✔ 通过</span>'
    : `<span class="bad">✘ 未通过（${esc(REASONS[c.reason ?? ''] ?? c.reason ?? '')}）</span>`;
  return `<tr><th>${esc(label)}</th><td>${mark}${detail ? `<br><small>${detail}</small>` : ''}</td></tr>`;
}

export async function renderVoucherPage(
  input: { publicUrl: string } & ({ view: VoucherView; report: VerificationReport } | { missing: string }),
): Promise<string> {
  if ('missing' in input) {
    return layout(
      '凭证不存在',
      `<h1>凭证不存在</h1><p>没有编号为 <code>${esc(input.missing)}</code> 的数据交易凭证。请核对编号。</p>`,
    );
  }
  const { view, report, publicUrl } = input;
  const p = view.payload;
  const url = `${publicUrl}/vouchers/${view.number}`;
  const qr = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
  const qrSrc = `data:image/svg+xml;base64,${Buffer.from(qr).toString('base64')}`;
  const revoked = view.status === 'revoked';
  const verdict = report.valid
    ? '<span class="badge ok">有效 · 验证通过</span>'
    : revoked
      ? '<span class="badge bad">已撤销</span>'
      : '<span class="badge bad">未通过验证</span>';
  const c = report.checks;
  const rows = [
    ['凭证编号', `<code>${esc(view.number)}</code>`],
    ['类型', esc(TYPE_NAMES[p.type] ?? p.type)],
    ['签发机构', `${esc(p.issuer.name)}（${esc(p.issuer.subCentreCode)}）`],
    ['签发时间', esc(p.issuedAt)],
    ...p.parties.map((x) => [
      ROLE_NAMES[x.role] ?? x.role,
      `${esc(x.name)}<br><small>统一社会信用代码 ${esc(x.creditCode)}</small>`,
    ]),
    ['交易标的', esc(p.subject.title)],
    ['合同成交额', esc(formatFen(p.amounts.contractValueFen))],
    ['技术交易额', esc(formatFen(p.amounts.transactionAmountFen))],
    ...(p.contractRegistrationNumber ? [['技术合同登记号', esc(p.contractRegistrationNumber)]] : []),
    ...p.documentHashes.map((d) => [`文件摘要`, `${esc(d.name)}<br><code>SHA-256 ${esc(d.sha256)}</code>`]),
    ...(revoked ? [['撤销', `${esc(view.revokedAt)} ${esc(view.revocationReason)}`]] : []),
  ];
  const body = `
<div class="qr"><img src="${qrSrc}" alt="验证二维码"><br>扫码打开本页验证</div>
<h1>数据交易凭证</h1>
<p>${verdict}</p>
<table>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`).join('')}</table>
<h2>验证结果</h2>
<table>
${check('签名', c.signature, c.signature.kid ? `密钥 <code>${esc(c.signature.kid)}</code>` : '')}
${check('日志检查点签名', c.checkpoint, c.checkpoint.ok ? `日志 <code>${esc(c.checkpoint.origin)}</code>，树大小 ${esc(c.checkpoint.treeSize)}` : '')}
${check('收录于透明日志', c.inclusion, c.inclusion.ok ? `第 ${esc(c.inclusion.leafIndex)} 号叶子` : view.leafIndex === null ? '正在收录，请稍后刷新' : '')}
${check('撤销状态', c.revocation, c.revocation.status === 'valid' ? '未撤销' : '')}
</table>
<footer>
<p>任何人都可以独立验证本凭证，无需询问交易所：下载<a href="/v1/vouchers/${esc(view.number)}/bundle">验证包</a>，
用公布的<a href="/v1/vouchers/keys">公钥</a>离线运行 <code>techex voucher verify ${esc(view.number)}.voucher.json</code>，
或调用 <code>POST /v1/vouchers/verify</code>。机器可读：<a href="/v1/vouchers/${esc(view.number)}">JSON</a>。</p>
<p>本页地址：<code>${esc(url)}</code></p>
</footer>`;
  return layout(`数据交易凭证 ${view.number}`, body);
}
