import type { FindAccount, Account as OidcAccount } from 'oidc-provider';
import type { Database } from '../../adapters/db/database.ts';
import { accountForClaims, type ClaimsRow } from '../accounts/account-rows.ts';
import { fetchedWithToken } from '../storage/token-finder.ts';

/**
 * How the provider learns who `sub` is. An account whose sessions were ended (password changed or
 * reset, "sign out everywhere") no longer backs sessions or tokens issued before that moment: the
 * provider then asks the person to sign in again, and rejects the old tokens. Asked at resume, at
 * the token endpoint and on every userinfo and refresh, so it is one prepared statement, read
 * afresh by each request (a deleted account is refused on its next request); where the request
 * looked a token up, the account came with it in the same query (token-finder.ts).
 */
export function accountFinder(orm: Database): FindAccount {
  return async (ctx, sub, token) => {
    const fetched = fetchedWithToken('Account', sub);
    const account = fetched
      ? ((fetched.row as ClaimsRow | null) ?? undefined)
      : await accountForClaims(orm, sub);
    if (!account) return undefined;
    const issuedAt = token?.iat ?? ctx.oidc.session?.authTime();
    if (issuedAt !== undefined && issuedAt * 1000 < account.sessionsValidAfterMs - 999) return undefined;
    return toOidcAccount(account);
  };
}

function toOidcAccount(account: ClaimsRow): OidcAccount {
  return {
    accountId: account.id,
    async claims() {
      return {
        sub: account.id,
        name: `${account.givenName} ${account.familyName}`,
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
