import type { Adapter, AdapterConstructor, AdapterPayload } from 'oidc-provider';
import { errors } from 'oidc-provider';
import type { Database } from '../../adapters/db/database.ts';
import type { AccountJson } from './oidc-store.ts';
import {
  consumeOidcRecord,
  destroyOidcGrantRecords,
  destroyOidcRecord,
  findOidcPayload,
  revokeGrantOfRecord,
  saveOidcRecord,
} from './oidc-store.ts';
import { createTokenFinder, TOKEN_MODELS } from './token-finder.ts';

/**
 * The models whose rows a grant revocation removes: the tokens and codes minted from a grant, as in
 * oidc-provider's own memory and Redis adapters. An Interaction also carries a `grantId`, but
 * revoking a grant must not break a sign-in in progress, and the Grant row itself is destroyed
 * by oidc-provider separately, according to its `revokeGrantPolicy`.
 */
const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

/**
 * The oidc-provider storage adapter on our PostgreSQL database: pass the returned class as the
 * provider's `adapter` option. oidc-provider builds one instance per model name; every method is
 * at most one round trip (a token lookup also brings the session and grant the provider reads
 * next: token-finder.ts), and every instance of the IdP shares the same rows.
 *
 * @example
 * const provider = new Provider(issuer, { adapter: createOidcAdapter(orm), ...configuration });
 */
export function createOidcAdapter(
  orm: Database,
  options: { clientCacheMs?: number; accountJson?: AccountJson } = {},
): AdapterConstructor {
  const clients = clientCache(options.clientCacheMs ?? CLIENT_CACHE_MS);
  const tokens = createTokenFinder(orm, options.accountJson);
  return class OidcAdapter implements Adapter {
    readonly model: string;

    constructor(model: string) {
      this.model = model;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      if (this.model === 'Client') clients.forget(id);
      tokens.forget(this.model);
      await saveOidcRecord(orm, {
        model: this.model,
        id,
        payload,
        // The contract: a falsy lifetime means the row does not expire.
        expiresIn: expiresIn || undefined,
        grantId: GRANTABLE.has(this.model) ? payload.grantId : undefined,
        userCode: payload.userCode,
        uid: this.model === 'Session' ? payload.uid : undefined,
      });
    }

    find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') return clients.get(id, () => findOidcPayload(orm, 'Client', 'id', id));
      if (TOKEN_MODELS.has(this.model)) return tokens.find(this.model, id);
      if (this.model === 'Grant')
        return tokens.fetched('Grant', id) ?? findOidcPayload(orm, 'Grant', 'id', id);
      return findOidcPayload(orm, this.model, 'id', id);
    }

    findByUid(uid: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Session')
        return tokens.fetched('Session', uid) ?? findOidcPayload(orm, 'Session', 'uid', uid);
      return findOidcPayload(orm, this.model, 'uid', uid);
    }

    findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return findOidcPayload(orm, this.model, 'user_code', userCode);
    }

    // oidc-provider checks `consumed` on the payload it read, then consumes: two requests racing
    // with one code or refresh token both pass that check. The database decides the winner; the
    // loser is treated as the replay it is (RFC 9700 §4.5, §4.14.2): the grant is revoked, with
    // the tokens the winner got, and the loser gets invalid_grant.
    async consume(id: string): Promise<void> {
      if (await consumeOidcRecord(orm, this.model, id)) return;
      tokens.forget('Grant');
      await revokeGrantOfRecord(orm, this.model, id);
      throw new errors.InvalidGrant(
        `${this.model === 'RefreshToken' ? 'refresh token' : 'grant'} already used`,
      );
    }

    destroy(id: string): Promise<void> {
      if (this.model === 'Client') clients.forget(id);
      tokens.forget(this.model);
      return destroyOidcRecord(orm, this.model, id);
    }

    // Called on one model (AccessToken.revokeByGrantId…), but the grant's codes and refresh
    // tokens must go with it: one delete across models, so no token of the grant survives.
    revokeByGrantId(grantId: string): Promise<void> {
      tokens.forget('Grant');
      return destroyOidcGrantRecords(orm, grantId);
    }
  };
}

/**
 * The provider looks a client up several times per sign-in and per token request. Its metadata
 * changes only when an operator registers it again, so each instance keeps what it read for a few
 * seconds: a change made through another instance or the CLI is seen within that time.
 */
const CLIENT_CACHE_MS = 5_000;

function clientCache(ttlMs: number) {
  const entries = new Map<string, { at: number; payload: Promise<AdapterPayload | undefined> }>();
  return {
    get(id: string, load: () => Promise<AdapterPayload | undefined>): Promise<AdapterPayload | undefined> {
      const now = Date.now();
      const hit = entries.get(id);
      if (hit && now - hit.at < ttlMs) return hit.payload;
      // A failed or empty read is not kept: an unknown client_id must not fill the cache.
      const payload = load().then((found) => {
        if (!found) entries.delete(id);
        return found;
      });
      payload.catch(() => entries.delete(id));
      if (entries.size > 1000) entries.clear();
      entries.set(id, { at: now, payload });
      return payload;
    },
    forget(id: string) {
      entries.delete(id);
    },
  };
}
