import type { FindAccount, Account as OidcAccount } from 'oidc-provider';
import type { Database } from '../../adapters/db/database.ts';
import { Account } from '../accounts/account.entity.ts';

/**
 * How the provider learns who `sub` is. An account whose sessions were ended (password changed or
 * reset, "sign out everywhere") no longer backs sessions or tokens issued before that moment: the
 * provider then asks the person to sign in again, and rejects the old tokens.
 */
export function accountFinder(orm: Database): FindAccount {
  return async (ctx, sub, token) => {
    const account = await orm.em.fork().findOne(Account, { id: sub });
    if (!account) return undefined;
    const issuedAt = token?.iat ?? ctx.oidc.session?.authTime();
    if (issuedAt !== undefined && issuedAt * 1000 < account.sessionsValidAfter.getTime() - 999)
      return undefined;
    return toOidcAccount(account);
  };
}

function toOidcAccount(account: Account): OidcAccount {
  return {
    accountId: account.id,
    async claims() {
      return {
        sub: account.id,
        name: account.name,
        given_name: account.givenName,
        family_name: account.familyName,
        birthdate: account.birthdate,
        gender: account.gender ?? undefined,
        email: account.email,
        email_verified: account.emailVerified,
      };
    },
  };
}
