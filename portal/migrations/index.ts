import type { MigrationObject } from '@mikro-orm/core';
import { outboxMigration } from '../../adapters/mail/outbox-migration.ts';
import { portalDomain } from './0001-portal-domain.ts';
import { portalSessions } from './0002-portal-sessions.ts';
import { twoStepPolicy } from './0003-two-step-policy.ts';
import { verifiedDomains } from './0004-verified-domains.ts';
import { lastSignIn } from './0005-last-sign-in.ts';
import { accessRequests } from './0006-access-requests.ts';
import { accessReviews } from './0007-access-reviews.ts';
import { professionalSearch } from './0008-professional-search.ts';

/** Every committed portal migration, in order. Never edit one that has shipped: add another. */
export const portalMigrations: readonly MigrationObject[] = [
  portalDomain,
  portalSessions,
  outboxMigration,
  twoStepPolicy,
  verifiedDomains,
  lastSignIn,
  accessRequests,
  accessReviews,
  professionalSearch,
];
