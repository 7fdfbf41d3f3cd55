import { expectStatus } from '../http-client.ts';
import { clientAuthorization } from './code-flow.ts';
import type { Scenario } from './scenario.ts';

/** 4b. Token introspection (RFC 7662): the app asking whether an access token is active. */
export const introspection: Scenario = {
  id: 'introspection',
  number: 4,
  title: 'Token introspection',
  users: 16,
  comparedWithBare: true,
  async prepare({ idp, seed, signedIn }) {
    const headers = clientAuthorization(seed.client);
    const sessions = await signedIn(this.users);
    return sessions.map((tokens) => async () => {
      const reply = await idp.post('/token/introspection', { headers, form: { token: tokens.accessToken } });
      if (
        (JSON.parse(expectStatus(reply, 200, 'introspection').body) as { active?: boolean }).active !== true
      )
        throw new Error(`introspection: token not active: ${reply.body}`);
    });
  },
};
