import { parseArgs } from 'node:util';
import { openDatabase } from '../adapters/db/database.ts';
import { isAppError } from '../adapters/http/errors.ts';
import { loadConfig } from '../config/config.ts';
import { ACCOUNT_USAGE, accountCommand } from '../idp/accounts/account-commands.ts';
import { registerClient } from '../idp/clients/clients.ts';
import { rotateSigningKeys } from '../idp/keys/signing-keys.ts';
import { idpSchema } from '../idp/schema.ts';
import { createOidcAdapter } from '../idp/storage/oidc-adapter.ts';
import { ORG_USAGE, orgCommand } from '../portal/cli/org-commands.ts';
import { resolveDatabase } from '../system/database-url.ts';

const USAGE = `Usage: npm run cli -- <command>

  client add --name N --redirect-uri U [--redirect-uri U2] [--post-logout-redirect-uri U]
             [--backchannel-logout-uri U] [--auth-method client_secret_basic|client_secret_post]
             [--client-id ID] [--client-secret S] [--first-party] [--id-token-alg RS256|ES256]
             [--introspects-for CLIENT_ID [--introspects-for CLIENT_ID2]] [--json]
      Register an app that signs people in with the IdP; prints its client_id and client_secret.
      ID tokens are signed with ES256 for a first-party app, RS256 otherwise, unless --id-token-alg.
      A client introspects only its own tokens; --introspects-for names the apps whose tokens it
      may introspect too, as their resource server.
  keys rotate
      Add new signing keys (RS256 and ES256); the previous ones stay published until what they
      signed has expired.
${ACCOUNT_USAGE}
${ORG_USAGE}`;

/** `npm run cli -- …`: operator commands against the same database the services use. */
async function main(argv: string[]): Promise<number> {
  const [group, action, ...rest] = argv;
  const config = loadConfig(process.env);
  const database = await resolveDatabase(config);
  if (group === 'org') {
    try {
      return await orgCommand(config, database.url, action, rest);
    } finally {
      await database.stop();
    }
  }
  const orm = await openDatabase(idpSchema, { url: database.url, poolMax: 2 });
  try {
    if (group === 'client' && action === 'add') return await clientAdd(orm, rest);
    if (group === 'account') {
      const code = await accountCommand(orm, action, rest);
      if (code !== undefined) return code;
    }
    if (group === 'keys' && action === 'rotate') {
      const kids = await rotateSigningKeys(orm);
      for (const [alg, kid] of Object.entries(kids)) console.log(`New ${alg} signing key: ${kid}`);
      return 0;
    }
    console.error(USAGE);
    return 2;
  } finally {
    await orm.close(true);
    await database.stop();
  }
}

async function clientAdd(orm: Awaited<ReturnType<typeof openDatabase>>, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      name: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      'backchannel-logout-uri': { type: 'string' },
      'auth-method': { type: 'string' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      'first-party': { type: 'boolean', default: false },
      'id-token-alg': { type: 'string' },
      'introspects-for': { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
    },
  });
  const client = await registerClient(createOidcAdapter(orm), {
    name: values.name ?? '',
    redirectUris: values['redirect-uri'] ?? [],
    postLogoutRedirectUris: values['post-logout-redirect-uri'] ?? [],
    backchannelLogoutUri: values['backchannel-logout-uri'],
    authMethod: values['auth-method'] as never,
    firstParty: values['first-party'],
    idTokenAlg: values['id-token-alg'] as never,
    introspectsFor: values['introspects-for'] ?? [],
    clientId: values['client-id'],
    clientSecret: values['client-secret'],
  });
  if (values.json) console.log(JSON.stringify(client));
  else console.log(`client_id: ${client.client_id}\nclient_secret: ${client.client_secret}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    if (isAppError(error)) {
      console.error(error.message);
      for (const [field, problem] of Object.entries(error.fields)) console.error(`  ${field}: ${problem}`);
      process.exit(2);
    }
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
