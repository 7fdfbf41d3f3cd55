import { z } from 'zod';
import { asPosted, checkbox } from '../../adapters/http/forms.ts';
import { profileSchema, rolesSchema } from './profile-input.ts';

/**
 * The Add New Professionals / Edit form: the profile's fields as typed (the service checks them
 * with `profileSchema`, so a refused form shows them again as they were sent), the role boxes and
 * Send invitation e-mail, ticked or not; read into what `addProfessional` takes.
 *
 * @example
 *   const form = professionalForm.parse(formFields(ctx));
 *   await addProfessional(domain, { actor, organizationId, ...form });
 */
export const professionalForm = z
  .object({ ...asPosted(profileSchema), ...rolesSchema.shape, sendInvitation: checkbox() })
  .transform(({ administrator, billingContact, shippingContact, sendInvitation, ...profile }) => ({
    profile,
    roles: { administrator, billingContact, shippingContact },
    sendInvitation,
  }));

/** The profile form as posted (and shown again after a refusal). */
export type ProfileForm = z.output<typeof professionalForm>;

// The guide: "ensure that the send invitation e-mail box has been checked": on by default.
export const EMPTY_PROFILE_FORM: ProfileForm = professionalForm.parse({ sendInvitation: true });
