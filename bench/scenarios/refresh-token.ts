import { expectStatus } from '../http-client.ts';
import { clientAuthorization } from './code-flow.ts';
import type { Scenario } from './scenario.ts';

/**
 * 3. Refresh-token grants with rotation: each virtual user signs in once, then chains its own
 * refresh token, every grant returning the next one (the previous one is consumed).
 */
export const refreshToken: Scenario = {
  id: 'refresh-token',
  number: 3,
  title: 'Refresh-token grant (rotated)',
  users: 16,
  comparedWithBare: true,
  async prepare({ idp, seed, signedIn }) {
    const headers = clientAuthorization(seed.client);
    const chains = await signedIn(this.users);
    return chains.map((tokens) => {
      let current = tokens.refreshToken;
      return async () => {
        const reply = await idp.post('/token', {
          headers,
          form: { grant_type: 'refresh_token', refresh_token: current },
        });
        const body = JSON.parse(expectStatus(reply, 200, 'refresh').body) as { refresh_token?: string };
        if (!body.refresh_token || body.refresh_token === current)
          throw new Error(`refresh: the refresh token was not rotated: ${reply.body}`);
        current = body.refresh_token;
      };
    });
  },
};
