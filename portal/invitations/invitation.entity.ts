import { defineEntity, p } from '@mikro-orm/core';
import { Professional } from '../organizations/professional.entity.ts';

/** One invitation link: its id is the token's `jti`, so the link is single-use and revocable. */
const InvitationSchema = defineEntity({
  name: 'Invitation',
  properties: {
    id: p.uuid().primary(),
    professional: () => p.manyToOne(Professional).deleteRule('cascade'),
    expiresAt: p.datetime(),
    revokedAt: p.datetime().nullable(),
    claimedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  indexes: [{ name: 'invitation_professional_idx', properties: ['professional'] }],
});
export class Invitation extends InvitationSchema.class {}
InvitationSchema.setClass(Invitation);

export { InvitationSchema };
