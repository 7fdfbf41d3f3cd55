import { type EntityManager, LockMode } from '@mikro-orm/core';
import type { Database } from '../../adapters/db/database.ts';
import { ACCOUNT_CLIENT_ID } from '../clients/clients.ts';
import { queueBackchannelLogouts } from '../logout/logout-queue.ts';
import {
  deleteAppGrants,
  deleteEverythingOf,
  deleteSignIns,
  grantedClientIds,
} from '../storage/app-sessions.ts';
import { Account } from './account.entity.ts';

export interface AppWithAccess {
  readonly clientId: string;
}

/**
 * The apps a person has granted access to (one Grant per app), newest first. The account pages'
 * own client is the IdP itself, not an app with access: it is never listed.
 */
export async function appsWithAccess(orm: Database, accountId: string): Promise<AppWithAccess[]> {
  const clientIds = await grantedClientIds(orm, accountId, ACCOUNT_CLIENT_ID);
  return clientIds.map((clientId) => ({ clientId }));
}

/**
 * Revoke an app: its grants and every token and code minted from them, in one transaction; the
 * app is told to end its sessions of the person (back-channel logout). The next time the app
 * asks, the person is asked for consent again.
 */
export async function revokeApp(orm: Database, accountId: string, clientId: string): Promise<number> {
  // No client id holds NUL (PostgreSQL text cannot): nothing to revoke, rather than a failed query.
  if (clientId.includes('\u0000')) return 0;
  return orm.em.fork().transactional(async (tx) => {
    await queueBackchannelLogouts(tx, { accountId, clientId, everySession: true });
    return deleteAppGrants(tx, accountId, clientId);
  });
}

/**
 * End every session of the account at the IdP, and every code and token apps hold for it
 * (password change or reset), and tell the apps (back-channel logout), in one transaction.
 * Deleted, not only dated out by `sessionsValidAfter`: token times are whole seconds, so a token
 * issued in the same second as the change would pass that check, and introspection does not look
 * at the account at all. `keepSessionUid`: the session that changed the password, whose apps are
 * not told (the route stores it again under a new id).
 */
export async function endSessions(
  orm: Database,
  accountId: string,
  options: { keepSessionUid?: string } = {},
): Promise<void> {
  await orm.em.fork().transactional(async (tx) => {
    await queueBackchannelLogouts(tx, { accountId, ...options, everySession: true });
    await deleteSignIns(tx, accountId);
  });
}

/**
 * "Sign out everywhere": every session of the account ends, with the codes and tokens apps hold,
 * every app is told (back-channel logout), and nothing issued before `now` is honoured any more
 * (`sessionsValidAfter`), in one transaction.
 */
export async function signOutEverywhere(orm: Database, accountId: string, now = new Date()): Promise<void> {
  await orm.em.fork().transactional(async (tx) => {
    await tx.nativeUpdate(Account, { id: accountId }, { sessionsValidAfter: now, updatedAt: now });
    await queueBackchannelLogouts(tx, { accountId, everySession: true });
    await deleteSignIns(tx, accountId);
  });
}

/**
 * The account ends: every app is told (back-channel logout), then its sessions, grants, codes and
 * tokens go with it, in one transaction — `disable` keeps the row (an operator's decision, kept
 * for the record and so the address cannot be signed up again), otherwise it is deleted and the
 * address is free for a new account. Resolves to `false` when there was no such account.
 */
export async function endAccount(
  orm: Database,
  accountId: string,
  how: 'delete' | 'disable',
  now = new Date(),
): Promise<boolean> {
  return orm.em.fork().transactional(async (tx) => {
    const found =
      how === 'delete' ? await deleteAccount(tx, accountId) : await disableAccount(tx, accountId, now);
    if (!found) return false;
    await queueBackchannelLogouts(tx, { accountId, everySession: true });
    await deleteEverythingOf(tx, accountId);
    return true;
  });
}

async function deleteAccount(em: EntityManager, accountId: string): Promise<boolean> {
  return (await em.nativeDelete(Account, { id: accountId })) > 0;
}

// Locked, so the first disabling keeps its date however many operators disable it at once.
async function disableAccount(em: EntityManager, accountId: string, now: Date): Promise<boolean> {
  const account = await em.findOne(Account, accountId, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!account) return false;
  const disabledAt = account.disabledAt ?? now;
  await em.nativeUpdate(Account, { id: accountId }, { disabledAt, sessionsValidAfter: now, updatedAt: now });
  return true;
}
