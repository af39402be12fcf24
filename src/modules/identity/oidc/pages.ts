import { API_SCOPES } from '../../../platform/principal.js';

/**
 * The provider's pages for people, server-rendered in zh-CN: no script and no external asset,
 * so the page CSP (inline style only) is enough. Everything interpolated goes through `esc`.
 */
export function esc(v: unknown): string {
  return String(v ?? '').replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `body{font-family:system-ui,"PingFang SC","Microsoft YaHei",sans-serif;background:#f4f6f8;margin:0;color:#1f2933}
main{max-width:380px;margin:48px auto;background:#fff;border-radius:8px;box-shadow:0 2px 8px rgba(0,0,0,.08);padding:28px 32px}
h1{font-size:1.25rem;margin:0 0 1rem}label{display:block;margin:.8rem 0 .3rem;font-size:.9rem}
input[type=email],input[type=password],select{width:100%;box-sizing:border-box;padding:.55rem;border:1px solid #c5cdd6;border-radius:4px;font-size:1rem}
button{margin-top:1.2rem;width:100%;padding:.6rem;border:0;border-radius:4px;background:#0b5cad;color:#fff;font-size:1rem;cursor:pointer}
button.secondary{background:#e4e8ec;color:#1f2933}.error{background:#fdecea;color:#8a1c12;padding:.6rem;border-radius:4px}
ul{padding-left:1.2rem}li{margin:.3rem 0}.muted{color:#66727f;font-size:.85rem}`;

export function page(title: string, body: string): string {
  return `<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)} · 江苏省技术产权交易市场</title>
<style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

export function loginPage(o: {
  uid: string;
  formToken: string;
  clientName: string;
  email?: string;
  error?: string;
}) {
  return page(
    '登录',
    `<h1>登录 江苏省技术产权交易市场</h1>
<p class="muted">${esc(o.clientName)} 请求使用您的账号登录（一次登录，各合作平台通用）。</p>
${o.error ? `<p class="error" role="alert">${esc(o.error)}</p>` : ''}
<form method="post" action="/interaction/${esc(o.uid)}/login" autocomplete="on">
<input type="hidden" name="form_token" value="${esc(o.formToken)}">
<label for="email">电子邮箱</label>
<input id="email" type="email" name="email" maxlength="254" required autofocus value="${esc(o.email)}">
<label for="password">密码</label>
<input id="password" type="password" name="password" maxlength="128" required>
<button type="submit">登录</button>
</form>
<form method="post" action="/interaction/${esc(o.uid)}/abort">
<input type="hidden" name="form_token" value="${esc(o.formToken)}">
<button type="submit" class="secondary">取消</button></form>`,
  );
}

const OIDC_SCOPE_TEXT: Record<string, string> = {
  openid: '确认您的身份',
  profile: '读取您的姓名和实名认证等级',
  email: '读取您的电子邮箱',
  organisation: '读取您所代表的机构及其一次认证结果',
  offline_access: '在您离线时保持访问（刷新令牌）',
};

export function scopeText(scope: string): string {
  const api = (API_SCOPES as Record<string, string>)[scope];
  return OIDC_SCOPE_TEXT[scope] ?? api?.split(' / ')[0] ?? scope;
}

export function consentPage(o: {
  uid: string;
  formToken: string;
  clientName: string;
  userName: string;
  scopes: string[];
  /** Requested but not grantable to this person (e.g. `admin` for a non-operator). */
  refused?: string[];
  organisations: { id: string; name: string }[];
}) {
  const refused = o.refused?.length
    ? `<p class="muted">以下权限仅限平台运营人员，不会授予：${o.refused.map((s) => esc(scopeText(s))).join('、')}</p>`
    : '';
  const orgs = o.organisations.length
    ? `<label for="organisation">代表机构</label><select id="organisation" name="organisation">${o.organisations
        .map((org) => `<option value="${esc(org.id)}">${esc(org.name)}</option>`)
        .join('')}</select>`
    : '<p class="muted">您尚未加入任何机构，将以个人身份登录。</p>';
  return page(
    '授权',
    `<h1>授权 ${esc(o.clientName)}</h1>
<p>${esc(o.userName)}，${esc(o.clientName)} 请求以下权限：</p>
<ul>${o.scopes.map((s) => `<li>${esc(scopeText(s))} <span class="muted">(${esc(s)})</span></li>`).join('')}</ul>
${refused}
<form method="post" action="/interaction/${esc(o.uid)}/confirm">
<input type="hidden" name="form_token" value="${esc(o.formToken)}">
${orgs}
<button type="submit">同意并继续</button>
</form>
<form method="post" action="/interaction/${esc(o.uid)}/abort">
<input type="hidden" name="form_token" value="${esc(o.formToken)}">
<button type="submit" class="secondary">拒绝</button></form>`,
  );
}

export function messagePage(title: string, text: string): string {
  return page(title, `<h1>${esc(title)}</h1><p>${esc(text)}</p>`);
}

export function logoutPage(form: string, host: string): string {
  return page(
    '退出登录',
    `<h1>退出登录</h1><p>是否退出 ${esc(host)} 上的登录？退出后，各合作平台都需要重新登录。</p>
${form}
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">退出登录</button>
<button type="submit" class="secondary" form="op.logoutForm">保持登录</button>`,
  );
}
