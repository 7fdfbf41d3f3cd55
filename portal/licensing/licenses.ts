import { randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { Database } from '../../adapters/db/database.ts';
import { query, statement } from '../../adapters/db/statements.ts';
import { License } from './license.entity.ts';

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

const DEMO_PRODUCTS = ['Dynamics GP', 'Dynamics 365 Business Central', 'Management Reporter'] as const;

/** Give a new organization its licensing rows (the data the licensing page shows). */
export function seedLicenses(em: EntityManager, organizationId: string): void {
  DEMO_PRODUCTS.forEach((product, index) => {
    const renewal = new Date();
    renewal.setUTCMonth(renewal.getUTCMonth() + 3 * (index + 1));
    em.create(License, {
      id: randomUUID(),
      organizationId,
      product,
      licenseKey: licenseKey(),
      renewalDate: renewal.toISOString().slice(0, 10),
    });
  });
}

/** The organization's licenses, soonest renewal first. */
export function licensesOf(orm: Database, organizationId: string): Promise<LicenseView[]> {
  return query<LicenseView>(orm, LICENSES_OF, [organizationId]);
}

function licenseKey(): string {
  const hex = randomBytes(10).toString('hex').toUpperCase();
  return hex.match(/.{5}/g)!.join('-');
}
