import { expectStatus } from '../http-client.ts';
import { clientAuthorization } from './code-flow.ts';
import type { Scenario } from './scenario.ts';

/** 2. Client-credentials grants: an app getting a token for itself (`client_secret_basic`). */
export const clientCredentials: Scenario = {
  id: 'client-credentials',
  number: 2,
  title: 'Client-credentials grant',
  users: 16,
  comparedWithBare: true,
  async prepare({ idp, seed }) {
    const headers = clientAuthorization(seed.client);
    const iteration = async () => {
      const reply = await idp.post('/token', { headers, form: { grant_type: 'client_credentials' } });
      if (
        !(JSON.parse(expectStatus(reply, 200, 'client credentials').body) as { access_token?: string })
          .access_token
      )
        throw new Error(`client credentials: no access_token in ${reply.body}`);
    };
    return Array.from({ length: this.users }, () => iteration);
  },
};
