// A local OpenID Connect provider standing in for the national identity platform: the certified `oidc-provider`
// package with a few test citizens and a plain sign-in and consent page. For the tests and the sign-in demo only.
//
//   PORT=9000 node provider.js        (ISSUER defaults to http://127.0.0.1:$PORT)
//
// Clients (secrets are for tests and demos, never for a real deployment):
//   portal        the portal (RS256 ID tokens)
//   portal-slow   the token response comes 3 s late and its ID token lives 1 s: it arrives expired
//   portal-hs256  ID tokens signed with the client secret (HS256), a key the portal must not accept
//   portal-other  another relying party: its ID tokens are for another audience
// Every test citizen's password is "matkhau".
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import { URL } from 'node:url';

import Provider, { errors } from 'oidc-provider';

const PORT = Number(process.env.PORT || 9000);
const ISSUER = process.env.ISSUER || `http://127.0.0.1:${PORT}`;
const CALLBACK_PATH = '/tai-khoan/dinh-danh/ve/';
const LOGOUT_RETURN_PATH = '/';
const PORTAL_URLS = (process.env.PORTAL_URLS || 'http://127.0.0.1:8000,http://localhost:8000').split(',');

// CCCD, name, birth date, sex, phone, address, level of assurance (VNeID level 2 is the one procedures need).
const CITIZENS = {
  '001090000001': {
    name: 'Nguyễn Văn An', birthdate: '1990-03-15', gender: 'male', phone_number: '+84912000001',
    address: { formatted: 'Số 12 phố Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội' }, loa: '2',
  },
  '079185000002': {
    name: 'Trần Thị Bình', birthdate: '1985-11-02', gender: 'female', phone_number: '+84903000002',
    address: { formatted: '45 Lê Lợi, Phường Sài Gòn, Thành phố Hồ Chí Minh' }, loa: '2',
  },
  '048200000003': {
    name: 'Lê Minh Châu', birthdate: '2000-07-20', gender: 'female', phone_number: '+84935000003',
    address: { formatted: '8 Bạch Đằng, Phường Hải Châu, Thành phố Đà Nẵng' }, loa: '1',
  },
  // A record whose identification number has the wrong shape: the portal must refuse it.
  '12345': {
    name: 'Phạm Sai Số', birthdate: '1970-01-01', gender: 'male', phone_number: '+84912000009',
    address: { formatted: 'Không rõ' }, loa: '2',
  },
};
const PASSWORD = 'matkhau';

const secret = (name) => `${name}-secret-for-tests-only-0123456789abcdef`;
const client = (clientId, extra = {}) => ({
  client_id: clientId,
  client_secret: secret(clientId),
  grant_types: ['authorization_code'],
  response_types: ['code'],
  redirect_uris: PORTAL_URLS.map((url) => `${url}${CALLBACK_PATH}`),
  post_logout_redirect_uris: PORTAL_URLS.map((url) => `${url}${LOGOUT_RETURN_PATH}`),
  token_endpoint_auth_method: 'client_secret_basic',
  ...extra,
});

const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: crypto.randomUUID(), use: 'sig', alg: 'RS256' };

const configuration = {
  clients: [
    client('portal'),
    client('portal-slow'),
    client('portal-hs256', { id_token_signed_response_alg: 'HS256' }),
    client('portal-other'),
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  pkce: { required: () => true },
  scopes: ['openid', 'profile', 'phone', 'address', 'cccd'],
  claims: {
    openid: ['sub'],
    profile: ['name', 'birthdate', 'gender'],
    phone: ['phone_number', 'phone_number_verified'],
    address: ['address'],
    cccd: ['cccd', 'loa'],
  },
  conformIdTokenClaims: false, // the claims the scopes grant go in the ID token, as the national platform does
  enabledJWA: { idTokenSigningAlgValues: ['RS256', 'HS256'] },
  ttl: {
    IdToken: (ctx, token, aClient) => (aClient?.clientId === 'portal-slow' ? 1 : 3600),
  },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, accountId) {
    const citizen = CITIZENS[accountId];
    if (!citizen) return undefined;
    return {
      accountId,
      async claims() {
        return { sub: accountId, cccd: accountId, phone_number_verified: true, ...citizen };
      },
    };
  },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = page('Lỗi', `<h1>Lỗi</h1><p id="error">${escape(out.error)}: ${escape(out.error_description || '')}</p>`);
  },
};

const provider = new Provider(ISSUER, configuration);
provider.proxy = true;

// The portal runs on a loopback address with a port chosen per test run: any port of a registered loopback URI.
const loopback = (value, allowed) => {
  try {
    const url = new URL(value);
    if (!['127.0.0.1', 'localhost'].includes(url.hostname) || url.protocol !== 'http:') return false;
    return allowed.some((candidate) => {
      const registered = new URL(candidate);
      return registered.hostname === url.hostname && registered.pathname === url.pathname && !url.search;
    });
  } catch {
    return false;
  }
};
const { redirectUriAllowed, postLogoutRedirectUriAllowed } = provider.Client.prototype;
provider.Client.prototype.redirectUriAllowed = function allowed(value) {
  return redirectUriAllowed.call(this, value) || loopback(value, this.redirectUris);
};
provider.Client.prototype.postLogoutRedirectUriAllowed = function allowed(value) {
  return postLogoutRedirectUriAllowed.call(this, value) || loopback(value, this.postLogoutRedirectUris);
};

// portal-slow: the answer of the token endpoint is held back until its ID token has expired.
provider.use(async (ctx, next) => {
  await next();
  if (ctx.path === '/token' && ctx.oidc?.client?.clientId === 'portal-slow') {
    await new Promise((resolve) => { setTimeout(resolve, 3000); });
  }
});

function escape(value) {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>${escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem}label,input,button{display:block;width:100%;margin:.4rem 0}input,button{padding:.5rem;font-size:1rem}</style>
</head><body><p><strong>Nền tảng định danh (thử nghiệm)</strong></p>${body}</body></html>`;
}

async function logoutSource(ctx, form) {
  ctx.body = page('Đăng xuất', `<h1>Đăng xuất khỏi nền tảng định danh?</h1>${form}
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Đăng xuất</button>
<button type="submit" form="op.logoutForm">Giữ đăng nhập</button>`);
}

async function postLogoutSuccessSource(ctx) {
  ctx.body = page('Đã đăng xuất', '<h1>Bạn đã đăng xuất.</h1>');
}

function readForm(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      body += chunk;
      if (body.length > 10000) req.destroy();
    });
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });
}

function loginPage(uid, error = '') {
  return page('Đăng nhập', `<h1>Đăng nhập bằng tài khoản định danh điện tử</h1>
${error ? `<p id="error" role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${uid}/login" autocomplete="off">
<label for="cccd">Số định danh cá nhân</label><input id="cccd" name="cccd" required>
<label for="password">Mật khẩu</label><input id="password" name="password" type="password" required>
<button type="submit">Đăng nhập</button></form>`);
}

function consentPage(uid, clientId, scopes) {
  return page('Chia sẻ thông tin', `<h1>Chia sẻ thông tin với ${escape(clientId)}?</h1>
<p>Họ tên, ngày sinh, giới tính, số điện thoại, địa chỉ, số định danh (${escape(scopes.join(' '))}).</p>
<form method="post" action="/interaction/${uid}/confirm"><button type="submit">Đồng ý</button></form>
<form method="post" action="/interaction/${uid}/abort"><button type="submit">Từ chối</button></form>`);
}

async function interactions(req, res) {
  const url = new URL(req.url, ISSUER);
  const match = url.pathname.match(/^\/interaction\/([\w-]+)(?:\/(login|confirm|abort))?$/);
  if (!match) {
    res.writeHead(404);
    res.end();
    return;
  }
  const [, uid, action] = match;
  const html = (status, body) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(body);
  };
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) return html(400, page('Lỗi', '<p id="error">interaction mismatch</p>'));
  const { prompt, params, session } = details;
  if (req.method === 'GET') {
    if (prompt.name === 'login') return html(200, loginPage(uid));
    return html(200, consentPage(uid, params.client_id, String(params.scope).split(' ')));
  }
  if (req.method !== 'POST') return html(405, page('Lỗi', ''));
  const form = await readForm(req);
  if (action === 'login') {
    const cccd = (form.get('cccd') || '').trim();
    if (!CITIZENS[cccd] || form.get('password') !== PASSWORD) {
      return html(200, loginPage(uid, 'Số định danh hoặc mật khẩu không đúng.'));
    }
    return provider.interactionFinished(req, res, { login: { accountId: cccd } }, { mergeWithLastSubmission: false });
  }
  if (action === 'abort') {
    return provider.interactionFinished(
      req, res, { error: 'access_denied', error_description: 'Người dùng từ chối chia sẻ thông tin' },
      { mergeWithLastSubmission: false },
    );
  }
  if (action === 'confirm' && prompt.name === 'consent') {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    const grantId = await grant.save();
    const consent = details.grantId ? {} : { grantId };
    return provider.interactionFinished(req, res, { consent }, { mergeWithLastSubmission: true });
  }
  return html(400, page('Lỗi', '<p id="error">unexpected step</p>'));
}

const callback = provider.callback();
const server = http.createServer(async (req, res) => {
  try {
    if (req.url.startsWith('/interaction/')) {
      await interactions(req, res);
      return;
    }
  } catch (error) {
    if (error instanceof errors.SessionNotFound) {
      res.writeHead(400, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page('Lỗi', '<p id="error">Phiên đăng nhập đã hết hạn.</p>'));
      return;
    }
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(String(error));
    return;
  }
  callback(req, res);
});

server.listen(PORT, '127.0.0.1', () => {
  console.log(`identity provider ${ISSUER} listening on 127.0.0.1:${PORT}`);
});
