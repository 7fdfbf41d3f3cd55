import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../../portal/accounts/create-organization.ts';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import { browserlessClient } from '../support/browserless-client.ts';
import { linkTo } from '../support/html-page.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import { newPerson } from '../support/oidc-client.ts';
import { startTestPortal, type TestPortal } from '../support/portal-instance.ts';
import { acceptBySigningUp, invitationLink, usernameOf } from '../support/portal-people.ts';

describe('the Extranet Login page, when the portal cannot tell which sign-in option to use (J5)', () => {
  let idp: TestIdp;
  let portal: TestPortal;
  beforeAll(async () => {
    idp = await startTestIdp();
    portal = await startTestPortal(
      idp,
      {},
      { clientId: 'portal-two-options', secondOptionLabel: 'Another Partner Network' },
    );
  });
  afterAll(async () => {
    await portal?.close();
    await idp?.close();
  });

  it('an invitation link asks which option, as Sign In does; Sign In lists the options until one is chosen, then remembers it', async () => {
    const person = newPerson({ givenName: 'Ext', familyName: 'Ranet' });
    await createOrganization(portal.domain, {
      actor: SYSTEM_ACTOR,
      name: 'Two Options Inc',
      admin: { givenName: 'Ext', familyName: 'Ranet', email: person.email },
    });
    const invitee = browserlessClient();
    const choice = await invitee.get(await invitationLink(idp, portal, person.email));
    expect(choice.html).toContain('<h1>Extranet Login</h1>');
    const builtIn = linkTo(choice, 'Microsoft Dynamics Customers and Partners');
    expect(builtIn).toContain(`returnTo=${encodeURIComponent('/invitations/claim')}`);
    const joined = await acceptBySigningUp(idp, new URL(builtIn, portal.url).href, person, invitee);
    expect(usernameOf(joined.home)).toBe('Ext Ranet');

    const fresh = browserlessClient();
    const choose = await fresh.get(linkTo(await fresh.get(`${portal.url}/`), 'Sign In'));
    expect(choose.html).toContain('<h1>Extranet Login</h1>');
    expect(choose.html).toContain('Another Partner Network');
    const signIn = await fresh.get(linkTo(choose, 'Microsoft Dynamics Customers and Partners'));
    expect(signIn.url.startsWith(`${idp.issuer}/interaction/`)).toBe(true);
    const home = await fresh.submit(signIn, { email: person.email, password: person.password }, '/login');
    expect(usernameOf(home)).toBe('Ext Ranet');

    const out = await fresh.submit(await fresh.submit(home, {}, '/sign-out'), { logout: 'yes' });
    expect(out.html).toContain('Welcome, User');
    const remembered = await fresh.get(linkTo(out, 'Sign In'));
    expect(remembered.url.startsWith(`${idp.issuer}/interaction/`), remembered.url).toBe(true);
  });
});
