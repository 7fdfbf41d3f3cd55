import { sqlMigration } from '../../adapters/db/migration.ts';
import { rateLimitTable } from '../rate-limits/rate-limit-table.ts';

/** Brute-force counters shared by every IdP instance (sign-in, sign-up, mail). */
export const rateLimits = sqlMigration('0004-rate-limits', rateLimitTable);
