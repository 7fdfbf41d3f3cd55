import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserlessClient, browserlessClient, type Page } from '../support/browserless-client.ts';
import { signUpAtIdp } from '../support/idp-account.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import {
  authorizationRequest,
  discoverAsApp,
  newPerson,
  redeem,
  signUpFromSignIn,
  TEST_REDIRECT_URI,
} from '../support/oidc-client.ts';

/**
 * Each step of an interaction page reads the interaction once: the page's own check, whose loaded
 * interaction the step's result is then saved into. (oidc-provider's `interactionResult` would
 * read it, and its session, a second time.) The reads are counted on oidc-provider's model, the
 * one way every part of the provider loads an interaction.
 */
describe('interaction pages read their interaction once', () => {
  let idp: TestIdp;
  let app: { client_id: string; client_secret: string };
  let reads = 0;

  beforeAll(async () => {
    idp = await startTestIdp();
    app = await idp.registerClient({ name: 'Partner App', redirectUris: [TEST_REDIRECT_URI] });
    const { Interaction } = idp.running.idp.provider;
    const find = Interaction.find.bind(Interaction);
    Interaction.find = ((...args: Parameters<typeof find>) => {
      reads += 1;
      return find(...args);
    }) as typeof Interaction.find;
  });
  afterAll(() => idp?.close());

  /** The sign-in page of a new authorization request, in a browser that stops before resuming it. */
  async function signInPage(browser: BrowserlessClient, extra: Record<string, string> = {}) {
    const config = await discoverAsApp(idp.issuer, app);
    const request = await authorizationRequest(config, extra);
    const page = await browser.get(request.url.toString());
    expect(page.html).toContain('<h1>Sign in</h1>');
    browser.stopAt.push(`${idp.issuer}/auth/`, TEST_REDIRECT_URI);
    return { config, request, page };
  }

  /** Let the browser resume the authorization request at `url`, then stop there again next time. */
  async function resume(browser: BrowserlessClient, url: string): Promise<Page> {
    const stop = browser.stopAt.indexOf(`${idp.issuer}/auth/`);
    browser.stopAt.splice(stop, 1);
    const page = await browser.get(url);
    browser.stopAt.push(`${idp.issuer}/auth/`);
    return page;
  }

  /** What `step` answered, and how many times the interaction was read meanwhile. */
  async function counted(step: () => Promise<Page>): Promise<{ page: Page; reads: number }> {
    reads = 0;
    const page = await step();
    return { page, reads };
  }

  it('signs in, consents and issues tokens with one read per form post', async () => {
    const { person } = await signUpAtIdp(idp);
    const browser = browserlessClient();
    const { config, request, page } = await signInPage(browser);

    const login = await counted(() =>
      browser.submit(page, { email: person.email, password: person.password }, '/login'),
    );
    expect(login.page.url).toMatch(new RegExp(`^${idp.issuer}/auth/`));
    expect(login.reads).toBe(1);

    const consent = await resume(browser, login.page.url);
    expect(consent.html).toContain('Allow Partner App to access your account?');
    const confirm = await counted(() => browser.submit(consent, {}, '/confirm'));
    expect(confirm.page.url).toMatch(new RegExp(`^${idp.issuer}/auth/`));
    expect(confirm.reads).toBe(1);

    const back = await resume(browser, confirm.page.url);
    expect(back.url.startsWith(TEST_REDIRECT_URI)).toBe(true);
    const tokens = await redeem(config, request, back.url);
    expect(tokens.claims()?.email).toBe(person.email);
  });

  it('cancels with one read, and the app is told access_denied', async () => {
    const browser = browserlessClient();
    const { page } = await signInPage(browser);
    const abort = await counted(() => browser.get(`${page.url}/abort`));
    expect(abort.reads).toBe(1);
    const back = await resume(browser, abort.page.url);
    expect(new URL(back.url).searchParams.get('error')).toBe('access_denied');
  });

  it('signs up, remembers the address in the interaction, and signs in with the code: one read each', async () => {
    const browser = browserlessClient();
    const person = newPerson();
    const { page } = await signInPage(browser, { login_hint: person.email });
    reads = 0;
    // Sign-up page, sign-up post (remembers the address), code post (signs in): one read each.
    const after = await signUpFromSignIn(browser, page, idp.smtp, person);
    expect(after.url).toMatch(new RegExp(`^${idp.issuer}/auth/`));
    expect(reads).toBe(3);
  });
});
