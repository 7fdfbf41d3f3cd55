import { randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { License } from '../licensing/license.entity.ts';

const DEMO_PRODUCTS = ['Dynamics GP', 'Dynamics 365 Business Central', 'Management Reporter'] as const;

/**
 * Give an organization made-up licensing rows, so the licensing page of a demo (or bench)
 * organization has something to show: three products, renewals three, six and nine months from
 * now, random keys. Created in the caller's unit of work. Real organizations get none: their
 * licences are not this code's to invent.
 */
export function addDemoLicenses(em: EntityManager, organizationId: string): void {
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

function licenseKey(): string {
  const hex = randomBytes(10).toString('hex').toUpperCase();
  return hex.match(/.{5}/g)!.join('-');
}
