import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_IDLE_SECONDS, TTL } from '../../idp/provider/configuration.ts';
import { type BrowserlessClient, browserlessClient } from '../support/browserless-client.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import {
  authorizationRequest,
  discoverAsApp,
  newPerson,
  signUpFromSignIn,
  TEST_REDIRECT_URI,
} from '../support/oidc-client.ts';

/** IdP sessions end after a while unused (idle) and after a fixed time whatever the use (absolute). */
describe('IdP session lifetimes', () => {
  let idp: TestIdp;
  let browser: BrowserlessClient;
  let config: Awaited<ReturnType<typeof discoverAsApp>>;

  beforeAll(async () => {
    idp = await startTestIdp();
    const app = await idp.registerClient({
      name: 'App',
      redirectUris: [TEST_REDIRECT_URI],
      firstParty: true,
    });
    config = await discoverAsApp(idp.issuer, app);
    browser = browserlessClient();
    browser.stopAt.push(TEST_REDIRECT_URI);
    const request = await authorizationRequest(config);
    await signUpFromSignIn(browser, await browser.get(request.url.toString()), idp.smtp, newPerson());
  });
  afterAll(() => idp.close());

  const sessionRow = async () => {
    const [row] = await idp.running.orm.em.getConnection().execute<{ id: string; seconds_left: number }[]>(
      `select id, extract(epoch from expires_at - now())::int as seconds_left
           from idp.oidc_payload where model = 'Session' and payload ? 'accountId'`,
    );
    return row!;
  };
  const useSession = async (extra: Record<string, string> = {}) =>
    browser.get((await authorizationRequest(config, { prompt: 'none', ...extra })).url.toString());

  it('a session lives for the idle window after each use', async () => {
    await useSession();
    const { seconds_left } = await sessionRow();
    expect(seconds_left).toBeGreaterThan(SESSION_IDLE_SECONDS - 60);
    expect(seconds_left).toBeLessThanOrEqual(SESSION_IDLE_SECONDS);
  });

  it('use never stretches a session past its absolute lifetime from the sign-in', async () => {
    const { id } = await sessionRow();
    await idp.running.orm.em.getConnection().execute(
      `update idp.oidc_payload set payload = jsonb_set(payload, '{loginTs}', to_jsonb(extract(epoch from now())::int - ?))
          where model = 'Session' and id = ?`,
      [TTL.Session - 30, id],
    );
    await useSession();
    const { seconds_left } = await sessionRow();
    expect(seconds_left).toBeLessThanOrEqual(31);
  });

  it('a session past its window is gone: the app is told login_required', async () => {
    const { id } = await sessionRow();
    await idp.running.orm.em
      .getConnection()
      .execute(
        `update idp.oidc_payload set expires_at = now() - interval '1 second' where model = 'Session' and id = ?`,
        [id],
      );
    const page = await useSession();
    expect(new URL(page.url).searchParams.get('error')).toBe('login_required');
  });
});
