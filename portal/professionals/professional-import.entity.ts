import { defineEntity, p } from '@mikro-orm/core';
import { Organization } from '../organizations/organization.entity.ts';

/** One row of an import file as the preview accepted it: what **Import** creates. */
export interface ImportRow {
  /** The row's number in the file, the header being row 1 (as a spreadsheet numbers it). */
  readonly row: number;
  readonly givenName: string;
  readonly familyName: string;
  readonly email: string;
  readonly phone: string | null;
  readonly jobTitle: string | null;
  readonly administrator: boolean;
}

/**
 * An import file, parsed and found free of errors by the preview, waiting for **Import**: kept on
 * the server so that what the administrator saw is exactly what is imported. It belongs to one
 * organization and one browser session (`sessionHash`: SHA-256 of the session id), expires after
 * 30 minutes, and is deleted by the import that uses it.
 */
const ProfessionalImportSchema = defineEntity({
  name: 'ProfessionalImport',
  properties: {
    id: p.uuid().primary(),
    organization: () => p.manyToOne(Organization).deleteRule('cascade'),
    sessionHash: p.string(),
    fileName: p.string(),
    rows: p.json<ImportRow[]>(),
    createdAt: p.datetime(),
    expiresAt: p.datetime(),
  },
  indexes: [{ name: 'professional_import_expires_idx', properties: ['expiresAt'] }],
});
export class ProfessionalImport extends ProfessionalImportSchema.class {}
ProfessionalImportSchema.setClass(ProfessionalImport);

export { ProfessionalImportSchema };
