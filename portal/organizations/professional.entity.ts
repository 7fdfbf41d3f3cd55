import { defineEntity, p } from '@mikro-orm/core';
import { Organization } from './organization.entity.ts';

const PROFESSIONAL_STATUSES = ['not_invited', 'invited', 'active'] as const;

/** A person's membership in one organization; bound to an IdP identity once an invitation is claimed. */
const ProfessionalSchema = defineEntity({
  name: 'Professional',
  properties: {
    id: p.uuid().primary(),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    givenName: p.string(),
    familyName: p.string(),
    email: p.string(),
    phone: p.string().nullable(),
    jobTitle: p.string().nullable(),
    isAdministrator: p.boolean().default(false),
    status: p.enum(PROFESSIONAL_STATUSES),
    idpIssuer: p.string().nullable(),
    idpSubject: p.string().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});

export class Professional extends ProfessionalSchema.class {
  /** Given and family name, as lists and messages show it. */
  fullName(): string {
    return `${this.givenName} ${this.familyName}`;
  }

  /** Bound to an IdP account: the invitation was claimed, so this person can sign in and act. */
  isBound(): boolean {
    return this.status === 'active' && this.idpSubject !== null;
  }
}
ProfessionalSchema.setClass(Professional);

export { ProfessionalSchema };
