import { z } from 'zod';
import { checkbox } from '../../adapters/http/forms.ts';
import { recordAudit } from '../audit/audit.ts';
import type { Actor, PortalDomain } from '../domain.ts';
import { lockAdministeredOrganization } from '../organizations/access.ts';

/** The organization page's "Require two-step verification" form. */
export const twoStepPolicyForm = z.object({ requiresTwoStep: checkbox() });

/**
 * J15: an administrator (of the organization or of its partner) turns the organization's
 * two-step policy on or off; audited. Setting it to what it already is changes nothing.
 */
export async function setTwoStepPolicy(
  domain: PortalDomain,
  input: { actor: Actor; organizationId: string; requiresTwoStep: boolean },
): Promise<void> {
  await domain.orm.em.fork().transactional(async (tx) => {
    const organization = await lockAdministeredOrganization(tx, input.actor, input.organizationId);
    if (organization.requiresTwoStep === input.requiresTwoStep) return;
    organization.requiresTwoStep = input.requiresTwoStep;
    recordAudit(tx, {
      organizationId: organization.id,
      actor: input.actor,
      action: input.requiresTwoStep ? 'policy.two-step.required' : 'policy.two-step.not-required',
    });
  });
}
