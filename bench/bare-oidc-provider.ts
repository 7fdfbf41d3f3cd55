// Run by bare-provider-process.ts in its own process on the service core: oidc-provider itself,
// the same version and configuration as the IdP (idp/provider/configuration.ts: features, claims,
// PKCE, TTLs, token formats, first-party grants, the same app with ES256 ID tokens), on the plain
// in-memory adapter of bare-memory-adapter.ts, with a trivial account lookup and a sign-in step
// that does only what the protocol needs plus the IdP's own argon2id `verifyPassword`. No database,
// no log lines, no CSRF cookie, no rate limits, no device cookie, no metrics: the ceiling of the
// stack Gatehouse is built on, on the same core in the same run.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Account, KoaContextWithOIDC } from 'oidc-provider';
import Provider from 'oidc-provider';
import type { Views } from '../adapters/http/views.ts';
import { hashPassword, verifyPassword } from '../idp/accounts/password.ts';
import { registerClient } from '../idp/clients/clients.ts';
import { SIGNING_ALGS } from '../idp/keys/signing-keys.ts';
import { providerConfiguration } from '../idp/provider/configuration.ts';
import { createBareMemoryAdapter } from './bare-memory-adapter.ts';
import type { BareProviderInput } from './bare-provider-process.ts';
import { BENCH_APP } from './seed.ts';

const input = JSON.parse(process.argv[2] ?? '{}') as BareProviderInput;
const issuer = `https://${input.publicHost}`;

// The bench's accounts, hashed with the IdP's own function and parameters.
interface BareAccount {
  readonly id: string;
  readonly email: string;
  readonly passwordHash: string;
}
const byEmail = new Map<string, BareAccount>();
const byId = new Map<string, BareAccount>();
for (const account of input.accounts) {
  const row = { id: randomUUID(), email: account.email, passwordHash: await hashPassword(account.password) };
  byEmail.set(row.email, row);
  byId.set(row.id, row);
}

const findAccount = async (_ctx: KoaContextWithOIDC, sub: string): Promise<Account | undefined> => {
  const account = byId.get(sub);
  if (!account) return undefined;
  return {
    accountId: account.id,
    async claims() {
      return {
        sub: account.id,
        name: 'Bench User',
        given_name: 'Bench',
        family_name: 'User',
        birthdate: '1990-01-01',
        email: account.email,
        email_verified: true,
      };
    },
  };
};

// Only the error and sign-out pages of the configuration render a view; none is measured.
const views: Views = {
  async render(ctx, template, _data, status = 200) {
    ctx.status = status;
    ctx.type = 'html';
    ctx.body = `<!doctype html><title>${template}</title>`;
  },
};

const Adapter = createBareMemoryAdapter();
await registerClient(Adapter, {
  ...BENCH_APP,
  clientId: input.client.clientId,
  clientSecret: input.client.clientSecret,
});
const provider = new Provider(issuer, {
  ...providerConfiguration({
    issuer,
    cookieSecrets: [randomBytes(32).toString('base64url')],
    secureCookies: true,
    registrationToken: undefined,
    allowPrivateNetworkCallbacks: false,
    views,
    findAccount,
    rememberedGrantId: async () => undefined,
  }),
  adapter: Adapter,
  jwks: { keys: await Promise.all(SIGNING_ALGS.map(signingKey)) } as never,
});
provider.proxy = true;

// The sign-in page and the password form: the interaction, a page with a form, the account by
// e-mail, argon2id, the result saved into the interaction, back to the authorization request.
const INTERACTION = /^\/interaction\/([\w-]+)(\/login)?$/;
provider.use(async (ctx, next) => {
  const match = INTERACTION.exec(ctx.path);
  if (!match) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (details.uid !== match[1]) {
    ctx.status = 400;
    ctx.body = 'another interaction';
    return;
  }
  if (!match[2] && ctx.method === 'GET') {
    const csrf = randomBytes(16).toString('base64url');
    ctx.type = 'html';
    ctx.body =
      `<!doctype html><title>Sign in</title><form method="post" action="/interaction/${details.uid}/login">` +
      `<input type="hidden" name="_csrf" value="${csrf}"><input name="email"><input name="password" type="password">` +
      '<button>Sign in</button></form>';
    return;
  }
  if (match[2] && ctx.method === 'POST') {
    const form = new URLSearchParams(await readBody(ctx.req));
    const account = byEmail.get(form.get('email') ?? '');
    if (!account || !(await verifyPassword(account.passwordHash, form.get('password') ?? ''))) {
      ctx.status = 401;
      ctx.body = 'wrong e-mail or password';
      return;
    }
    details.result = { login: { accountId: account.id, acr: 'pwd', amr: ['pwd'] } };
    await details.save(details.exp - Math.floor(Date.now() / 1000));
    ctx.status = 303;
    ctx.redirect(details.returnTo);
    return;
  }
  return next();
});

const server = createServer(provider.callback()).listen(input.port, '127.0.0.1');
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

async function signingKey(alg: (typeof SIGNING_ALGS)[number]): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'RS256' ? { modulusLength: 2048 } : {}),
  });
  return { ...(await exportJWK(privateKey)), kid: randomBytes(12).toString('base64url'), alg, use: 'sig' };
}

async function readBody(req: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}
