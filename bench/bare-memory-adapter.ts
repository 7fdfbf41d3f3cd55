import type { Adapter, AdapterConstructor, AdapterPayload } from 'oidc-provider';

/**
 * The models whose records a grant revocation removes (as in oidc-provider's own memory adapter,
 * and in the IdP's PostgreSQL adapter, idp/storage/oidc-adapter.ts).
 */
const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

interface Stored {
  readonly payload: AdapterPayload;
  /** Epoch milliseconds; `Infinity` when the record does not expire. */
  readonly expiresAt: number;
}

/**
 * The storage of the bare oidc-provider the bench compares the IdP with: a plain `Map` per model,
 * with the indexes the adapter contract needs (grantId → records, session uid, user code), each
 * record's lifetime honoured on read. Unlike oidc-provider's bundled memory adapter it keeps
 * every record (not the last 1,000) and saving a token costs O(1): the bundled one rewrites the
 * whole list of a grant's tokens on every save, so a rotated refresh chain slows down with every
 * grant. This is the ceiling of the stack, nothing that persists or is shared between instances.
 */
export function createBareMemoryAdapter(now: () => number = Date.now): AdapterConstructor {
  const models = new Map<string, Map<string, Stored>>();
  const byGrant = new Map<string, Set<{ model: string; id: string }>>();
  const sessionByUid = new Map<string, string>();
  const byUserCode = new Map<string, { model: string; id: string }>();
  const modelStore = (model: string) => {
    const store = models.get(model) ?? new Map<string, Stored>();
    models.set(model, store);
    return store;
  };
  const live = (model: string, id: string | undefined): AdapterPayload | undefined => {
    if (id === undefined) return undefined;
    const store = modelStore(model);
    const stored = store.get(id);
    if (!stored) return undefined;
    if (stored.expiresAt <= now()) {
      store.delete(id);
      return undefined;
    }
    return stored.payload;
  };

  return class BareMemoryAdapter implements Adapter {
    readonly model: string;
    readonly store: Map<string, Stored>;

    constructor(model: string) {
      this.model = model;
      this.store = modelStore(model);
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      // The contract: a falsy lifetime means the record does not expire.
      const expiresAt = expiresIn ? now() + expiresIn * 1000 : Number.POSITIVE_INFINITY;
      this.store.set(id, { payload, expiresAt });
      if (this.model === 'Session' && payload.uid) sessionByUid.set(payload.uid, id);
      if (payload.userCode) byUserCode.set(payload.userCode, { model: this.model, id });
      if (GRANTABLE.has(this.model) && payload.grantId) {
        const members = byGrant.get(payload.grantId) ?? new Set();
        byGrant.set(payload.grantId, members);
        members.add({ model: this.model, id });
      }
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      return live(this.model, id);
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return live(this.model, sessionByUid.get(uid));
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      const record = byUserCode.get(userCode);
      return record?.model === this.model ? live(this.model, record.id) : undefined;
    }

    async consume(id: string): Promise<void> {
      const payload = live(this.model, id);
      if (payload) payload.consumed = Math.floor(now() / 1000);
    }

    async destroy(id: string): Promise<void> {
      this.store.delete(id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      for (const { model, id } of byGrant.get(grantId) ?? []) modelStore(model).delete(id);
      byGrant.delete(grantId);
    }
  };
}
