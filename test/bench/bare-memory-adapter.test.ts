import { describe, expect, it } from 'vitest';
import { createBareMemoryAdapter } from '../../bench/bare-memory-adapter.ts';

// The storage of the bench's bare oidc-provider: it must keep the adapter contract the provider
// relies on, or the ceiling it measures would be that of a provider doing less than ours.
describe('bare oidc-provider memory adapter', () => {
  const clock = () => {
    let ms = 1_000_000;
    return { now: () => ms, pass: (seconds: number) => (ms += seconds * 1000) };
  };

  it('keeps records until their lifetime ends, and for ever without one', async () => {
    const time = clock();
    const Adapter = createBareMemoryAdapter(time.now);
    const tokens = new Adapter('AccessToken');
    await tokens.upsert('short', { jti: 'short' }, 60);
    await tokens.upsert('forever', { jti: 'forever' }, 0);
    time.pass(59);
    expect(await tokens.find('short')).toEqual({ jti: 'short' });
    time.pass(1);
    expect(await tokens.find('short')).toBeUndefined();
    time.pass(10 ** 9);
    expect(await tokens.find('forever')).toEqual({ jti: 'forever' });
  });

  it('keeps models apart and holds more than a thousand records', async () => {
    const Adapter = createBareMemoryAdapter();
    await new Adapter('AccessToken').upsert('same', { kind: 'AccessToken' }, 60);
    await new Adapter('RefreshToken').upsert('same', { kind: 'RefreshToken' }, 60);
    expect(await new Adapter('AccessToken').find('same')).toEqual({ kind: 'AccessToken' });
    const many = new Adapter('ClientCredentials');
    for (let i = 0; i < 5_000; i++) await many.upsert(`t${i}`, { jti: `t${i}` }, 600);
    expect(await many.find('t0')).toEqual({ jti: 't0' });
  });

  it('finds sessions by uid and records by user code, consumes and destroys', async () => {
    const time = clock();
    const Adapter = createBareMemoryAdapter(time.now);
    const sessions = new Adapter('Session');
    await sessions.upsert('s1', { uid: 'u1', accountId: 'a' }, 60);
    expect(await sessions.findByUid('u1')).toMatchObject({ accountId: 'a' });
    expect(await new Adapter('Grant').findByUid('u1')).toBeUndefined();
    const devices = new Adapter('DeviceCode');
    await devices.upsert('d1', { userCode: 'ABCD-EFGH' }, 60);
    expect(await devices.findByUserCode('ABCD-EFGH')).toMatchObject({ userCode: 'ABCD-EFGH' });
    const codes = new Adapter('AuthorizationCode');
    await codes.upsert('c1', { grantId: 'g' }, 60);
    await codes.consume('c1');
    expect((await codes.find('c1'))?.consumed).toBe(Math.floor(time.now() / 1000));
    await sessions.destroy('s1');
    expect(await sessions.findByUid('u1')).toBeUndefined();
  });

  it('revokes every token and code of a grant, and only those', async () => {
    const Adapter = createBareMemoryAdapter();
    const access = new Adapter('AccessToken');
    const refresh = new Adapter('RefreshToken');
    await access.upsert('a1', { grantId: 'g1' }, 60);
    await refresh.upsert('r1', { grantId: 'g1' }, 60);
    await refresh.upsert('r2', { grantId: 'g2' }, 60);
    // An interaction carries a grantId too, but revoking the grant must not end a sign-in in progress.
    await new Adapter('Interaction').upsert('i1', { grantId: 'g1' }, 60);
    await access.revokeByGrantId('g1');
    expect(await access.find('a1')).toBeUndefined();
    expect(await refresh.find('r1')).toBeUndefined();
    expect(await refresh.find('r2')).toEqual({ grantId: 'g2' });
    expect(await new Adapter('Interaction').find('i1')).toEqual({ grantId: 'g1' });
  });
});
