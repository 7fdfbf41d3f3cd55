import type { DeliveredMail } from '../delivered-mail.ts';
import type { HttpTarget } from '../http-client.ts';
import type { Iteration } from '../load-runner.ts';
import type { Seed } from '../seed.ts';
import { signIn, type Tokens, withPassword } from './code-flow.ts';

/** What a scenario gets to build its virtual users. */
export interface ScenarioContext {
  /** Keep-alive connections to the IdP, as many as the scenario has virtual users. */
  readonly idp: HttpTarget;
  /** The IdP's public https origin (its issuer), the one WebAuthn answers must name. */
  readonly issuer: string;
  readonly seed: Seed;
  /** Mail the IdP delivered: a scenario whose preparation sends some waits for it before measuring. */
  readonly mail: DeliveredMail;
  /** Tokens of `count` people signed in through the code flow, shared by the scenarios that need them. */
  signedIn(count: number): Promise<readonly Tokens[]>;
}

/** One measured figure of the bench: what a real client does, repeated by concurrent virtual users. */
export interface Scenario {
  /** Stable id, used in `--only` and in the JSON. */
  readonly id: string;
  /** Its number in issue 6's list. */
  readonly number: number;
  readonly title: string;
  /** Concurrent virtual users, each with its own state (cookies, token chain). */
  readonly users: number;
  /**
   * Also run against bare oidc-provider (bench/bare-oidc-provider.ts) on the same core in the same
   * run, and judged as a share of its rate: the scenario uses nothing the bare provider lacks.
   */
  readonly comparedWithBare?: boolean;
  /** Build one iteration per virtual user (signing them in first when they need tokens). */
  prepare(context: ScenarioContext): Promise<Iteration[]>;
}

/**
 * Sign people in once (the accounts in turn) and hand the same tokens to every scenario that asks:
 * refresh chains rotate only refresh tokens, so the access tokens stay valid for userinfo and
 * introspection.
 */
export function signedInPeople(idp: () => HttpTarget, seed: Seed): ScenarioContext['signedIn'] {
  const people: Tokens[] = [];
  return async (count) => {
    if (people.length < count) {
      const target = idp();
      try {
        const missing = seed.accounts.slice(people.length, count);
        if (missing.length < count - people.length)
          throw new Error(`only ${seed.accounts.length} accounts seeded`);
        people.push(
          ...(await Promise.all(
            missing.map((account) => signIn(target, seed.client, withPassword(account))),
          )),
        );
      } finally {
        target.close();
      }
    }
    return people.slice(0, count);
  };
}
