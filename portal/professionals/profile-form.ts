import type { Roles } from './profile-input.ts';

/** The profile form's fields as posted (and re-shown after an error). */
export interface ProfileForm {
  readonly givenName: string;
  readonly familyName: string;
  readonly email: string;
  readonly phone: string;
  readonly jobTitle: string;
  readonly roles: Roles;
  readonly sendInvitation: boolean;
}

/** Read the posted form; checkboxes are present ("yes") or absent. */
export function readProfileForm(fields: Record<string, string>): ProfileForm {
  return {
    givenName: fields.givenName ?? '',
    familyName: fields.familyName ?? '',
    email: fields.email ?? '',
    phone: fields.phone ?? '',
    jobTitle: fields.jobTitle ?? '',
    roles: {
      administrator: fields.administrator === 'yes',
      billingContact: fields.billingContact === 'yes',
      shippingContact: fields.shippingContact === 'yes',
    },
    sendInvitation: fields.sendInvitation === 'yes',
  };
}

export const EMPTY_PROFILE_FORM: ProfileForm = {
  givenName: '',
  familyName: '',
  email: '',
  phone: '',
  jobTitle: '',
  roles: { administrator: false, billingContact: false, shippingContact: false },
  // The guide: "ensure that the send invitation e-mail box has been checked" — on by default.
  sendInvitation: true,
};
