import { parseArgs } from 'node:util';
import { openDatabase } from '../../adapters/db/database.ts';
import { isAppError } from '../../adapters/http/errors.ts';
import type { Config } from '../../config/config.ts';
import { createOrganization } from '../accounts/create-organization.ts';
import { linkPartner } from '../accounts/partner-links.ts';
import { type PortalDomain, portalDomain, SYSTEM_ACTOR } from '../domain.ts';
import { ORGANIZATION_KINDS, type OrganizationKind } from '../organizations/organization.entity.ts';
import { addAdministrator } from '../professionals/add-administrator.ts';
import { portalSchema } from '../schema.ts';

export const ORG_USAGE = `  org create --name N --admin-email E --admin-first F --admin-last L [--kind customer|partner]
      Create an organization and its first administrator (all three roles); e-mails the
      invitation and prints the link as the last line.
  org link-partner --partner ID --customer ID
      Let the partner (VAR) organization's administrators manage the customer.
  org add-admin --org ID --email E --first F --last L
      Recovery: make E an Administrator of the existing organization ID. A professional of it with
      that e-mail keeps their profile and gets the role; anyone else is added. Either way a new
      invitation is e-mailed (an older link stops working) and its link printed as the last line.`;

/**
 * `npm run cli -- org …` on the portal's schema. The invitation mail goes through the portal's
 * outbox; a running portal sends it.
 */
export async function orgCommand(
  config: Config,
  databaseUrl: string,
  action: string | undefined,
  args: string[],
): Promise<number> {
  const orm = await openDatabase(portalSchema, { url: databaseUrl, poolMax: 2 });
  try {
    const domain = await portalDomain(config, orm);
    if (action === 'create') return await create(domain, args);
    if (action === 'link-partner') return await link(domain, args);
    if (action === 'add-admin') return await addAdmin(domain, args);
    console.error(ORG_USAGE);
    return 2;
  } finally {
    await orm.close(true);
  }
}

async function create(domain: PortalDomain, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      name: { type: 'string' },
      'admin-email': { type: 'string' },
      'admin-first': { type: 'string' },
      'admin-last': { type: 'string' },
      kind: { type: 'string', default: 'customer' },
    },
  });
  const kind = values.kind as OrganizationKind;
  if (!ORGANIZATION_KINDS.includes(kind)) {
    console.error('--kind must be customer or partner');
    return 2;
  }
  const { organization, invitationLink } = await createOrganization(domain, {
    actor: SYSTEM_ACTOR,
    name: values.name ?? '',
    kind,
    admin: {
      givenName: values['admin-first'] ?? '',
      familyName: values['admin-last'] ?? '',
      email: values['admin-email'] ?? '',
    },
  });
  console.log(`Organization: ${organization.name} (${organization.kind})\nid: ${organization.id}`);
  console.log(invitationLink);
  return 0;
}

async function link(domain: PortalDomain, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { partner: { type: 'string' }, customer: { type: 'string' } },
  });
  await linkPartner(domain, {
    actor: SYSTEM_ACTOR,
    partnerId: values.partner ?? '',
    customerId: values.customer ?? '',
  });
  console.log('Linked: the partner now administers the customer.');
  return 0;
}

/** The profile fields as `add-admin` names them, so a refusal names the option to fix. */
const ADD_ADMIN_OPTIONS: Record<string, string> = {
  givenName: '--first',
  familyName: '--last',
  email: '--email',
};

async function addAdmin(domain: PortalDomain, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      org: { type: 'string' },
      email: { type: 'string' },
      first: { type: 'string' },
      last: { type: 'string' },
    },
  });
  if (!values.org) {
    console.error('--org is required: the id of the organization (org create prints it).');
    return 2;
  }
  try {
    const added = await addAdministrator(domain, {
      actor: SYSTEM_ACTOR,
      organizationId: values.org,
      profile: { givenName: values.first ?? '', familyName: values.last ?? '', email: values.email ?? '' },
    });
    const what = added.created ? 'Added' : 'Existing professional, now';
    console.log(`${what} Administrator of ${added.organization.name}: ${added.professional.fullName()}`);
    console.log(added.invitationLink);
    return 0;
  } catch (error) {
    if (isAppError(error, 'NOT_FOUND')) {
      console.error(`No organization has the id ${JSON.stringify(values.org)}. Nothing was changed.`);
      return 2;
    }
    if (!isAppError(error, 'INVALID_INPUT')) throw error;
    for (const [field, problem] of Object.entries(error.fields)) {
      console.error(`${ADD_ADMIN_OPTIONS[field] ?? field}: ${problem}`);
    }
    console.error('Nothing was changed.');
    return 2;
  }
}
