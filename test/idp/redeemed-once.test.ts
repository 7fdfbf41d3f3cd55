import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserlessClient, browserlessClient } from '../support/browserless-client.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import {
  authorizationRequest,
  discoverAsApp,
  newPerson,
  redeem,
  signUpFromSignIn,
  TEST_REDIRECT_URI,
} from '../support/oidc-client.ts';
import { type RoundRobin, startRoundRobin } from '../support/processes.ts';

const RACERS = 20;
const ROUNDS = 3;

/**
 * RFC 9700 §4.5 and §4.14.2, with requests that race: two IdP instances on one database behind a
 * balancer, and twenty requests redeeming one code or one refresh token at the same instant.
 * Exactly one wins; every other one is refused as a replay and revokes the grant, so what the
 * winner got stops working too, as after a sequential replay.
 */
describe('a code or refresh token raced by many requests is redeemed exactly once', () => {
  let balancer: RoundRobin;
  let first: TestIdp;
  let second: TestIdp;
  let config: oidc.Configuration;
  let browser: BrowserlessClient;

  beforeAll(async () => {
    balancer = await startRoundRobin();
    first = await startTestIdp({ IDP_ISSUER: balancer.url });
    // One outbox, one mailbox: either instance may send the verification code.
    second = await startTestIdp({
      IDP_ISSUER: balancer.url,
      DATABASE_URL: first.databaseUrl,
      SMTP_URL: first.smtp.url,
    });
    balancer.setUpstreams([first.issuer, second.issuer]);
    const app = await first.registerClient({
      name: 'Racing app',
      redirectUris: [TEST_REDIRECT_URI],
      firstParty: true,
    });
    config = await discoverAsApp(balancer.url, app);
    browser = browserlessClient();
    browser.stopAt.push(TEST_REDIRECT_URI);
    const request = await authorizationRequest(config);
    await signUpFromSignIn(browser, await browser.get(request.url.toString()), first.smtp, newPerson());
  });
  afterAll(async () => {
    await Promise.all([first?.close(), second?.close()]);
    await balancer?.close();
  });

  const codeFlow = async () => {
    const request = await authorizationRequest(config);
    const landed = (await browser.get(request.url.toString())).url;
    return { request, landed };
  };

  /** Every outcome of the race: the winners' results, and the losers' OAuth error codes. */
  const race = async <T>(redeemOnce: () => Promise<T>) => {
    const outcomes = await Promise.allSettled(Array.from({ length: RACERS }, redeemOnce));
    const won = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    const lost = outcomes.flatMap((o) =>
      o.status === 'rejected' ? [(o.reason as { error?: string }).error ?? String(o.reason)] : [],
    );
    return { won, lost };
  };

  it.each(Array.from({ length: ROUNDS }, (_, i) => i + 1))(
    'an authorization code (round %i): one winner, every other one invalid_grant, the grant revoked',
    async () => {
      const { request, landed } = await codeFlow();
      const { won, lost } = await race(() => redeem(config, request, landed));
      expect(won).toHaveLength(1);
      expect(lost).toEqual(Array(RACERS - 1).fill('invalid_grant'));
      const [tokens] = won;
      expect((await oidc.tokenIntrospection(config, tokens!.access_token)).active).toBe(false);
      await expect(oidc.refreshTokenGrant(config, tokens!.refresh_token!)).rejects.toMatchObject({
        error: 'invalid_grant',
      });
    },
  );

  it.each(Array.from({ length: ROUNDS }, (_, i) => i + 1))(
    'a refresh token (round %i): one winner, every other one invalid_grant, the family revoked',
    async () => {
      const { request, landed } = await codeFlow();
      const tokens = await redeem(config, request, landed);
      const { won, lost } = await race(() => oidc.refreshTokenGrant(config, tokens.refresh_token!));
      expect(won).toHaveLength(1);
      expect(lost).toEqual(Array(RACERS - 1).fill('invalid_grant'));
      const [rotated] = won;
      expect((await oidc.tokenIntrospection(config, rotated!.access_token)).active).toBe(false);
      await expect(oidc.refreshTokenGrant(config, rotated!.refresh_token!)).rejects.toMatchObject({
        error: 'invalid_grant',
      });
      expect(new Set(balancer.served).size).toBe(2);
    },
  );
});
