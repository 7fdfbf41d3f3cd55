import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../../adapters/db/embedded-postgres.ts';
import { loadConfig } from '../../config/config.ts';
import { type RunningSystem, startSystem } from '../../system/start-system.ts';
import { browserlessClient } from '../support/browserless-client.ts';
import { createTestDatabase } from '../support/database.ts';
import { linkTo } from '../support/html-page.ts';
import { type PartnerOp, partnerOption, startPartnerOp } from '../support/partner-op.ts';
import { startSmtpCapture } from '../support/smtp-capture.ts';

const BUILT_IN = 'Microsoft Dynamics Customers and Partners';

describe('npm start with SIGN_IN_OPTIONS listing the built-in IdP beside a partner’s provider', () => {
  let system: RunningSystem;
  let op: PartnerOp;
  let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
  let portalUrl: string;
  let issuer: string;

  beforeAll(async () => {
    const [portal, idp] = [await freePort(), await freePort()];
    portalUrl = `http://127.0.0.1:${portal}`;
    issuer = `http://127.0.0.1:${idp}`;
    op = await startPartnerOp(portalUrl);
    smtp = await startSmtpCapture();
    vi.spyOn(console, 'log').mockImplementation(() => {});
    system = await startSystem({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: await createTestDatabase(),
      SMTP_URL: smtp.url,
      PORTAL_PORT: String(portal),
      PORTAL_URL: portalUrl,
      IDP_PORT: String(idp),
      IDP_ISSUER: issuer,
      // No client and no secret for the built-in IdP: npm start registers the portal there.
      SIGN_IN_OPTIONS: JSON.stringify([{ id: 'dynamics', label: BUILT_IN }, partnerOption(op)]),
    });
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await system?.stop();
    await op?.close();
    await smtp?.stop();
  });

  it('registers the portal at the built-in IdP: choosing it reaches the IdP’s sign-in page', async () => {
    const browser = browserlessClient();
    const choice = await browser.get(`${portalUrl}/sign-in`);
    expect(choice.html).toContain('<h1>Extranet Login</h1>');
    const signIn = await browser.get(linkTo(choice, BUILT_IN));
    expect(signIn.url.startsWith(`${issuer}/interaction/`), signIn.url).toBe(true);
    expect(signIn.html).not.toContain('client is invalid');
    expect(signIn.html).toContain('Sign in');
  });

  it('another option must name its client, and the error says which', () => {
    const partnerWithoutSecret = { id: 'p', label: 'Partner', issuer: op.issuer, clientId: 'x' };
    expect(() =>
      loadConfig({ IDP_ISSUER: issuer, SIGN_IN_OPTIONS: JSON.stringify([partnerWithoutSecret]) }),
    ).toThrow('SIGN_IN_OPTIONS.0.clientSecret: required for "Partner"');
    expect(() =>
      loadConfig({
        IDP_ISSUER: issuer,
        SIGN_IN_OPTIONS: JSON.stringify([
          { ...partnerOption(op), tokenEndpointAuthMethod: 'private_key_jwt' },
        ]),
      }),
    ).toThrow('SIGN_IN_OPTIONS.0.tokenEndpointAuthMethod');
  });
});
