import { expectStatus } from '../http-client.ts';
import type { Scenario } from './scenario.ts';

/** 4a. Userinfo: an app reading the signed-in person's claims with its access token. */
export const userinfo: Scenario = {
  id: 'userinfo',
  number: 4,
  title: 'Userinfo',
  users: 16,
  comparedWithBare: true,
  async prepare({ idp, signedIn }) {
    const sessions = await signedIn(this.users);
    return sessions.map((tokens) => {
      const headers = { authorization: `Bearer ${tokens.accessToken}` };
      return async () => {
        const reply = await idp.get('/me', { headers });
        if (!(JSON.parse(expectStatus(reply, 200, 'userinfo').body) as { email?: string }).email)
          throw new Error(`userinfo: no email claim in ${reply.body}`);
      };
    });
  },
};
