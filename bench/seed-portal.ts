import { randomUUID } from 'node:crypto';
import { openDatabase } from '../adapters/db/database.ts';
import { query, statement } from '../adapters/db/statements.ts';
import { createOrganization } from '../portal/accounts/create-organization.ts';
import { addDemoLicenses } from '../portal/demo/demo-licenses.ts';
import { SYSTEM_ACTOR } from '../portal/domain.ts';
import { Professional } from '../portal/organizations/professional.entity.ts';
import { portalSchema } from '../portal/schema.ts';
import type { BenchAccount } from './seed.ts';

// The bench's only look across schemas: the IdP subject each member's invitation would bind.
const IDP_SUBJECTS = statement(
  'bench.idp-subjects',
  'select id, email from idp.account where email = any($1::text[])',
);

/** The organization whose members load its gated pages. */
export interface PortalSeed {
  readonly organizationId: string;
  readonly organizationName: string;
  readonly members: readonly BenchAccount[];
}

/**
 * One customer organization (with the demo licensing rows, portal/demo/demo-licenses.ts) with
 * `members` of the IdP's bench accounts as active professionals, bound to their IdP identity as a
 * claimed invitation leaves them. The first is its administrator. The portal has migrated already.
 */
export async function seedPortal(
  databaseUrl: string,
  issuer: string,
  accounts: readonly BenchAccount[],
): Promise<PortalSeed> {
  const orm = await openDatabase(portalSchema, { url: databaseUrl, poolMax: 2 });
  try {
    const ids = await query<{ id: string; email: string }>(orm, IDP_SUBJECTS, [accounts.map((a) => a.email)]);
    const subjectOf = new Map(ids.map((row) => [row.email, row.id]));
    const name = `Bench Org ${randomUUID().slice(0, 8)}`;
    const [first, ...others] = accounts;
    if (!first) throw new Error('seedPortal: no accounts');
    const { organization } = await createOrganization(
      {
        orm,
        portalUrl: 'https://portal.bench.invalid',
        productName: 'CustomerSource',
        invitationKey: new Uint8Array(32),
        invitationTtlSeconds: 3600,
      },
      {
        actor: SYSTEM_ACTOR,
        name,
        admin: { givenName: 'Bench', familyName: 'Member 0', email: first.email },
        sendInvitation: false,
      },
    );
    const em = orm.em.fork();
    addDemoLicenses(em, organization.id);
    for (const [i, account] of others.entries()) {
      em.create(Professional, {
        id: randomUUID(),
        organization: organization.id,
        givenName: 'Bench',
        familyName: `Member ${i + 1}`,
        email: account.email,
        status: 'active',
        isAdministrator: false,
        idpIssuer: issuer,
        idpSubject: subjectOf.get(account.email)!,
      });
    }
    await em.flush();
    await em.nativeUpdate(
      Professional,
      { email: first.email },
      { status: 'active', idpIssuer: issuer, idpSubject: subjectOf.get(first.email)! },
    );
    return { organizationId: organization.id, organizationName: name, members: accounts };
  } finally {
    await orm.close(true);
  }
}
