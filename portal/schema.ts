import type { SchemaModule } from '../adapters/db/database.ts';
import { OutboxMailSchema } from '../adapters/mail/outbox.ts';
import { AccessRequestSchema } from './access-requests/access-request.entity.ts';
import { AuditEventSchema } from './audit/audit-event.entity.ts';
import { InvitationSchema } from './invitations/invitation.entity.ts';
import { LicenseSchema } from './licensing/license.entity.ts';
import { portalMigrations } from './migrations/index.ts';
import { OrganizationSchema, PartnerLinkSchema } from './organizations/organization.entity.ts';
import { ProfessionalSchema } from './organizations/professional.entity.ts';
import { ProfessionalImportSchema } from './professionals/professional-import.entity.ts';
import { VerifiedDomainSchema } from './verified-domains/verified-domain.entity.ts';

/** The portal's tables, in the `portal` schema (its own mail outbox included). */
export const portalSchema: SchemaModule = {
  schema: 'portal',
  entities: [
    OrganizationSchema,
    PartnerLinkSchema,
    ProfessionalSchema,
    InvitationSchema,
    AuditEventSchema,
    LicenseSchema,
    VerifiedDomainSchema,
    AccessRequestSchema,
    ProfessionalImportSchema,
    OutboxMailSchema,
  ],
  migrations: portalMigrations,
  unmappedTables: {
    portal_session: 'read on every request by one prepared statement (portal/sessions/session-store.ts)',
    server_secret: 'generated once, read at start-up (adapters/db/server-secrets.ts)',
  },
};
