import type { Database } from '../../adapters/db/database.ts';
import { query, statement } from '../../adapters/db/statements.ts';

/** A licence as the licensing page shows it. */
export interface LicenseView {
  readonly product: string;
  readonly licenseKey: string;
  /** ISO date. */
  readonly renewalDate: string;
}

// Read on every licensing page: a prepared statement, plain rows (no entities to hydrate).
const LICENSES_OF = statement(
  'portal.licenses-of',
  `select product, license_key as "licenseKey", to_char(renewal_date, 'YYYY-MM-DD') as "renewalDate"
   from portal.license where organization_id = $1 order by renewal_date, product`,
);

/** The organization's licenses, soonest renewal first. */
export function licensesOf(orm: Database, organizationId: string): Promise<LicenseView[]> {
  return query<LicenseView>(orm, LICENSES_OF, [organizationId]);
}
