import { beforeAll } from 'vitest';
import type { BrowserlessClient } from './browserless-client.ts';
import { csrfTokenOf } from './html-page.ts';
import type { TestIdp } from './idp-instance.ts';
import type { TestPortal } from './portal-instance.ts';
import { type OrganizationAdmin, organizationAdmin } from './portal-people.ts';
import { sharedPortal } from './shared-portal.ts';

/** The portal whose forms and pages are fed hostile input: Input Corp, its administrator, and their forms. */
export interface InputCorpUnderAttack {
  readonly idp: TestIdp;
  readonly portal: TestPortal;
  /** Input Corp's administrator, signed in. */
  readonly admin: OrganizationAdmin;
  /** Where Input Corp's professional forms post: `/accounts/{id}/professionals`. */
  readonly formsUrl: string;
  /** A valid CSRF token of `browser` (the administrator's by default), read from its home page. */
  adminCsrfToken(browser?: BrowserlessClient): Promise<string>;
  /** POST `body` as it is, with the administrator's cookies, as `contentType` (a form by default). */
  postAsAdmin(url: string, body: string | Buffer | URLSearchParams, contentType?: string): Promise<Response>;
}

/** Call inside a `describe`: registers the hooks that start the portal and sign up Input Corp's administrator. */
export function inputCorpUnderAttack(): InputCorpUnderAttack {
  const shared = sharedPortal();
  let admin: OrganizationAdmin;
  let formsUrl: string;
  beforeAll(async () => {
    admin = await organizationAdmin(shared.idp, shared.portal, 'Input Corp');
    formsUrl = `${shared.portal.url}/accounts/${admin.organization.id}/professionals`;
  });

  const cookies = () =>
    ['portal_session', 'portal_csrf']
      .map((n) => `${n}=${admin.browser.cookie(shared.portal.url, n)}`)
      .join('; ');

  return {
    get idp() {
      return shared.idp;
    },
    get portal() {
      return shared.portal;
    },
    get admin() {
      return admin;
    },
    get formsUrl() {
      return formsUrl;
    },
    async adminCsrfToken(browser = admin.browser) {
      return csrfTokenOf((await browser.get(`${shared.portal.url}/`)).html);
    },
    postAsAdmin(url, body, contentType = 'application/x-www-form-urlencoded') {
      return fetch(url, {
        method: 'POST',
        headers: { cookie: cookies(), 'content-type': contentType, accept: 'text/html' },
        body,
        redirect: 'manual',
      });
    },
  };
}
