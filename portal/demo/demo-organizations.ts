import { executeIn, statement } from '../../adapters/db/statements.ts';
import { createOrganizationIn } from '../accounts/create-organization.ts';
import { linkPartner } from '../accounts/partner-links.ts';
import { type PortalDomain, SYSTEM_ACTOR } from '../domain.ts';
import { Organization } from '../organizations/organization.entity.ts';
import { Professional } from '../organizations/professional.entity.ts';
import { sendInvitation } from '../professionals/professionals.ts';
import { addDemoLicenses } from './demo-licenses.ts';

const DEMO = [
  {
    name: 'Contoso (demo customer)',
    kind: 'customer',
    email: 'admin@contoso.example.com',
    given: 'Casey',
    family: 'Contoso',
  },
  {
    name: 'Encore (demo partner)',
    kind: 'partner',
    email: 'admin@encore.example.com',
    given: 'Eli',
    family: 'Encore',
  },
] as const;

/** Held while one start looks for the demo organizations and creates those missing. */
const LOCK = statement(
  'portal.demo-organizations.lock',
  `select pg_advisory_xact_lock(hashtext('gatehouse:demo-organizations'))`,
);

export interface DemoAdmin {
  readonly organization: string;
  readonly email: string;
  /** A fresh invitation link while the administrator has not joined yet. */
  readonly invitationLink?: string;
}

/**
 * The demo customer and its demo partner (VAR), created on the first start (with made-up
 * licences, demo-licenses.ts) and found again on every later one. While a demo administrator has not claimed their invitation, each start sends
 * a fresh one, so the printed link always works.
 */
export async function ensureDemoOrganizations(domain: PortalDomain): Promise<DemoAdmin[]> {
  const admins: DemoAdmin[] = [];
  const ids: string[] = [];
  for (const demo of DEMO) {
    // Find or create under one lock: instances starting together for the first time must not
    // each create the organization (names are not unique). The second waits, then finds it.
    const { existing, created } = await domain.orm.em.fork().transactional(async (tx) => {
      await executeIn(tx, LOCK, []);
      const found = await tx.findOne(Organization, { name: demo.name });
      if (found) return { existing: found };
      const created = await createOrganizationIn(tx, domain, {
        actor: SYSTEM_ACTOR,
        name: demo.name,
        kind: demo.kind,
        admin: { givenName: demo.given, familyName: demo.family, email: demo.email },
      });
      addDemoLicenses(tx, created.organization.id);
      return { created };
    });
    if (created) {
      ids.push(created.organization.id);
      admins.push({ organization: demo.name, email: demo.email, invitationLink: created.invitationLink });
      continue;
    }
    ids.push(existing.id);
    const em = domain.orm.em.fork();
    const admin = await em.findOne(Professional, { organization: existing.id, email: demo.email });
    const invitationLink =
      admin && admin.status !== 'active'
        ? await sendInvitation(domain, {
            actor: SYSTEM_ACTOR,
            organizationId: existing.id,
            professionalId: admin.id,
          })
        : undefined;
    admins.push({ organization: demo.name, email: demo.email, invitationLink });
  }
  await linkPartner(domain, { actor: SYSTEM_ACTOR, partnerId: ids[1]!, customerId: ids[0]! });
  return admins;
}

/** What the console says about the demo administrators. */
export function demoInstructions(admins: readonly DemoAdmin[]): string {
  const lines = ['Demo administrators (the partner also administers the customer):'];
  for (const a of admins) {
    lines.push(`  ${a.organization}: ${a.email}`);
    lines.push(
      a.invitationLink
        ? `    open ${a.invitationLink}\n    then "Sign up now" with ${a.email} (the code arrives in the dev mailbox)`
        : '    already joined: Sign In with that address',
    );
  }
  return lines.join('\n');
}
