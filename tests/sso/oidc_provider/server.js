// A real OpenID Connect provider for certtrack's SSO tests and for trying SSO locally: node-oidc-provider
// (OpenID Certified), on 127.0.0.1 only, with a login page of its own that checks a password, refuses
// disabled accounts and reads the accounts from a JSON file at every request, so a test can rewrite it
// between two sign-ins (groups changed, account disabled).
//
//   PORT=9000 CLIENT_ID=certtrack CLIENT_SECRET=certtrack-local-secret \
//   REDIRECT_URIS=http://127.0.0.1:8000/sso/oidc/callback/ ACCOUNTS_FILE=accounts.example.json node server.js
//
// Accounts file: {"accounts": [{"login", "password", "sub", "name", "email", "employee_number",
// "groups": [...], "disabled": false}]}.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};
const port = Number(env('PORT'));
const host = '127.0.0.1';
const issuer = env('ISSUER', `http://${host}:${port}`);
const accountsFile = env('ACCOUNTS_FILE');

const accounts = () => JSON.parse(readFileSync(accountsFile, 'utf8')).accounts;
const bySub = (sub) => accounts().find((account) => account.sub === sub);

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'certtrack-test', use: 'sig', alg: 'RS256' };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: env('CLIENT_ID'),
      client_secret: env('CLIENT_SECRET'),
      redirect_uris: env('REDIRECT_URIS').split(','),
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  scopes: ['openid', 'profile', 'email', 'groups', 'employee'],
  claims: {
    openid: ['sub'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username'],
    email: ['email'],
    groups: ['groups'],
    employee: ['employee_number'],
  },
  // A disabled account is no account: its provider session, if any, ends here too.
  async findAccount(_ctx, sub) {
    const account = bySub(sub);
    if (!account || account.disabled) return undefined;
    return {
      accountId: sub,
      async claims() {
        return {
          sub,
          name: account.name,
          given_name: account.given_name,
          family_name: account.family_name,
          preferred_username: account.login,
          email: account.email,
          employee_number: account.employee_number,
          // An account without "groups" sends no groups claim at all (as Entra ID past 200 groups).
          ...(account.groups === undefined ? {} : { groups: account.groups }),
        };
      },
    };
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  features: { devInteractions: { enabled: false } },
  pkce: { required: () => false },
});

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(res, uid, error = '', login = '') {
  res.writeHead(error ? 401 : 200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(`<!doctype html><html><head><title>Test identity provider</title></head><body>
<h1>Test identity provider: sign in</h1>
${error ? `<p id="error">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
  <label>User <input id="login" name="login" value="${escape(login)}" autofocus></label>
  <label>Password <input id="password" name="password" type="password"></label>
  <button id="submit" type="submit">Sign in</button>
</form></body></html>`);
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { uid, prompt, params, session } = details;
  if (req.method === 'POST' && req.url.endsWith('/login')) {
    const form = await readForm(req);
    const account = accounts().find((a) => a.login === form.get('login'));
    if (!account || account.password !== form.get('password')) {
      return loginPage(res, uid, 'Wrong user or password.', form.get('login') ?? '');
    }
    if (account.disabled) return loginPage(res, uid, 'This account is disabled.', account.login);
    return provider.interactionFinished(req, res, { login: { accountId: account.sub } }, { mergeWithLastSubmission: false });
  }
  if (prompt.name === 'login') return loginPage(res, uid);
  // certtrack is a first-party client: consent is given without asking.
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const oidc = provider.callback();
const server = http.createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((err) => {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(`interaction failed: ${err.message}`);
    });
    return;
  }
  oidc(req, res);
});
server.listen(port, host, () => console.log(`oidc-provider listening on ${issuer}`));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
