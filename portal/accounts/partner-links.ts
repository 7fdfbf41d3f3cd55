import { LockMode } from '@mikro-orm/core';
import { isId } from '../../adapters/db/ids.ts';
import { recordAudit } from '../audit/audit.ts';
import type { Actor, PortalDomain } from '../domain.ts';
import { Organization, PartnerLink } from '../organizations/organization.entity.ts';
import { portalErrors } from '../portal-errors.ts';

/** Make `partnerId` (a partner organization) a partner of `customerId`; linking twice is a no-op. */
export async function linkPartner(
  domain: PortalDomain,
  input: { actor: Actor; partnerId: string; customerId: string },
): Promise<void> {
  if (!isId(input.partnerId) || !isId(input.customerId)) throw portalErrors.notFound();
  await domain.orm.em.fork().transactional(async (tx) => {
    const orgs = await tx.find(
      Organization,
      { id: { $in: [input.partnerId, input.customerId] } },
      { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' } },
    );
    const partner = orgs.find((o) => o.id === input.partnerId);
    const customer = orgs.find((o) => o.id === input.customerId);
    if (!partner || !customer) throw portalErrors.notFound();
    if (partner.kind !== 'partner' || customer.kind !== 'customer' || input.actor.identity) {
      throw portalErrors.invalidInput({ partner: 'Link a partner organization to a customer organization.' });
    }
    if (await tx.count(PartnerLink, { partnerId: partner.id, customerId: customer.id })) return;
    tx.create(PartnerLink, { partnerId: partner.id, customerId: customer.id });
    recordAudit(tx, {
      organizationId: customer.id,
      actor: input.actor,
      action: 'partner.linked',
      target: partner.name,
    });
  });
}
