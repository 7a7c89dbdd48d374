// A real OpenID Connect provider (the `oidc-provider` package) on 127.0.0.1 for the browser
// suite's "Comment via" tests. tests/browser/run starts it with OIDC_PORT, OIDC_REDIRECT_URI and
// OIDC_CLIENT_SECRET, and registers it with `dateline provider add`.
//
// Its interactions are the package's development pages (any login and password sign in; then
// "Continue" to consent). For the refusal tests, GET /__test/mode?m=NAME makes the token
// endpoint hand out a misbehaving ID token, re-signed after the provider made it:
//   ok        as issued
//   expired   exp an hour ago
//   nonce     a nonce other than the one the site sent
//   otherkey  signed by a key the provider does not publish (same kid)
// Not a *.test.mjs file: the runner starts it, node --test does not.
import Provider from 'oidc-provider';
import * as jose from 'jose';

const port = Number(process.env.OIDC_PORT);
const redirectUri = process.env.OIDC_REDIRECT_URI;
const clientSecret = process.env.OIDC_CLIENT_SECRET;
if (!port || !redirectUri || !clientSecret) {
  console.error('oidc-provider.mjs: OIDC_PORT, OIDC_REDIRECT_URI and OIDC_CLIENT_SECRET are required');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;

const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const { privateKey: otherKey } = await jose.generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await jose.exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };

let mode = 'ok';

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'dateline-test',
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [jwk] },
  findAccount: async (ctx, sub) => ({
    accountId: sub,
    claims: async () => ({ sub, name: `Visitor ${sub}` }),
  }),
  claims: { openid: ['sub'], profile: ['name'] },
  // Put the profile claims in the ID token itself (the site reads no userinfo).
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
  cookies: { keys: ['dateline-browser-suite'] },
});

provider.use(async (ctx, next) => {
  if (ctx.path === '/__test/mode') {
    mode = String(ctx.query.m || 'ok');
    ctx.body = { mode };
    return;
  }
  await next();
  if (ctx.method === 'POST' && ctx.path === '/token' && mode !== 'ok' && ctx.body?.id_token) {
    const payload = jose.decodeJwt(ctx.body.id_token);
    const now = Math.floor(Date.now() / 1000);
    let key = privateKey;
    if (mode === 'expired') {
      payload.iat = now - 7200;
      payload.exp = now - 3600;
    } else if (mode === 'nonce') {
      payload.nonce = 'not-the-nonce-the-site-sent';
    } else if (mode === 'otherkey') {
      key = otherKey;
    }
    ctx.body = {
      ...ctx.body,
      id_token: await new jose.SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: 'test-key' }).sign(key),
    };
  }
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening at ${issuer}`);
});
