import { type AdapterPayload, Provider } from 'oidc-provider';
import type { Database } from '../../adapters/db/database.ts';
import { type AccountJson, type FoundToken, findOidcTokens, tokenStatement } from './oidc-store.ts';

/** The models whose ids are token values a client presents. */
export const TOKEN_MODELS = new Set([
  'AccessToken',
  'ClientCredentials',
  'RefreshToken',
  'AuthorizationCode',
]);

/** Related rows fetched with a token, for the request that asked for the token, by `Model:key`. */
type Fetched = Map<string, unknown>;

// Keyed by oidc-provider's request context: what one request fetched is never seen by another.
const fetchedBy = new WeakMap<object, Fetched>();

/**
 * What this request fetched with a token for `kind` and `key`, once: `{ row }` (`row` null when it
 * was gone), or `undefined` when nothing was fetched (ask the database).
 */
export function fetchedWithToken(
  kind: 'Session' | 'Grant' | 'Account',
  key: string,
): { row: unknown } | undefined {
  const request = Provider.ctx;
  const fetched = request && fetchedBy.get(request);
  const name = `${kind}:${key}`;
  if (!fetched?.has(name)) return undefined;
  const row = fetched.get(name);
  fetched.delete(name);
  return { row };
}

/**
 * Token lookups in one round trip each. Two things oidc-provider does would otherwise cost more:
 *
 * - Introspection asks AccessToken, ClientCredentials and RefreshToken for the same value in the
 *   same tick (`helpers/token_find.js`), and under load several requests look their tokens up in
 *   the same turn of the event loop. Every lookup made in one turn is answered by one query, once
 *   the turn is over, over all the values and models asked: read then, by the requests that
 *   asked, never kept for a later one.
 * - Using a token, the provider reads its session (`checkSessionBinding`, for tokens that end with
 *   the session) and its grant next. The query brings those rows along, and the same request's
 *   next `Session.findByUid` / `Grant.find` is answered with them: the same rows, read a moment
 *   earlier in the same request. They are kept per request (oidc-provider's request context,
 *   `Provider.ctx`), used once, and dropped when the request saves or deletes a session or grant;
 *   no other request ever sees them. Given `accountJson`, the token's account comes along the same
 *   way, for the same request's `findAccount` (`fetchedWithToken('Account', sub)`).
 *
 * Written against oidc-provider 9.13.3, leaning on three of its internals: `Provider.ctx` (the
 * request's context from the provider's AsyncLocalStorage, lib/provider.js); `findToken`
 * (lib/helpers/token_find.js) asking `AccessToken.find` and `ClientCredentials.find` for one value
 * in the same tick; and `checkSessionBinding` (lib/models/token_helpers.js) reading the token's
 * session with `Session.findByUid` in the same request. Should any change, answers stay right (an
 * unbatched or unfetched lookup asks the database) but cost more queries;
 * test/idp/library-patches.test.ts fails first.
 */
export function createTokenFinder(orm: Database, accountJson?: AccountJson) {
  // The lookups of this turn of the event loop, by value: the models asked, the rows found.
  let batch: { models: Map<string, Set<string>>; rows: Promise<FoundToken[]> } | undefined;
  const lookup = tokenStatement(accountJson);

  const remember = (request: object, row: FoundToken) => {
    const fetched = fetchedBy.get(request) ?? new Map();
    fetchedBy.set(request, fetched);
    const { session, grant, account } = row;
    if (session !== undefined && typeof row.payload.sessionUid === 'string')
      fetched.set(`Session:${row.payload.sessionUid}`, session);
    if (grant !== undefined && typeof row.payload.grantId === 'string')
      fetched.set(`Grant:${row.payload.grantId}`, grant);
    if (account !== undefined && typeof row.payload.accountId === 'string')
      fetched.set(`Account:${row.payload.accountId}`, account);
  };

  const lookupsOfThisTurn = () => {
    if (batch) return batch;
    const models = new Map<string, Set<string>>();
    const rows = new Promise<void>((turnOver) => setImmediate(turnOver)).then(() => {
      batch = undefined;
      return findOidcTokens(orm, lookup, models);
    });
    batch = { models, rows };
    return batch;
  };

  return {
    /** The live payload of `model` with id `value`, as the adapter's `find`. */
    find(model: string, value: string): Promise<AdapterPayload | undefined> {
      const request = Provider.ctx;
      const { models, rows } = lookupsOfThisTurn();
      const asked = models.get(value) ?? new Set();
      models.set(value, asked.add(model));
      return rows.then((found) => {
        const row = found.find((r) => r.id === value && r.model === model);
        if (row && request) remember(request, row);
        return row?.payload;
      });
    },

    /** The row fetched for this request with a token (once), or `undefined`: ask the database. */
    fetched(model: 'Session' | 'Grant', key: string): Promise<AdapterPayload | undefined> | undefined {
      const fetched = fetchedWithToken(model, key);
      return fetched && Promise.resolve((fetched.row as AdapterPayload | null) ?? undefined);
    },

    /** A session or grant is being saved or deleted: what this request fetched may be stale. */
    forget(model: string): void {
      if (model !== 'Session' && model !== 'Grant') return;
      const request = Provider.ctx;
      if (request) fetchedBy.delete(request);
    },
  };
}
