import { randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { License } from './license.entity.ts';

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
export function licensesOf(em: EntityManager, organizationId: string): Promise<License[]> {
  return em.find(License, { organizationId }, { orderBy: { renewalDate: 'asc', product: 'asc' } });
}

function licenseKey(): string {
  const hex = randomBytes(10).toString('hex').toUpperCase();
  return hex.match(/.{5}/g)!.join('-');
}
