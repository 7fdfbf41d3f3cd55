/** How many attempts a key gets in a window, and how long it is refused once it has used them. */
export interface RateLimitRule {
  readonly points: number;
  readonly durationSeconds: number;
  /** Refuse the key this long from the attempt that used its last point; 0: until the window ends. */
  readonly blockSeconds?: number;
}

/**
 * Defaults. Sign-in counts failures only (OWASP Authentication Cheat Sheet, "Account Lockout").
 * The quick lock is per address *and* client (rate-limiter-flexible's "login endpoint protection"
 * pattern): an attacker locks the address for themselves, never for its owner elsewhere, so one
 * attacker cannot keep a victim out. Guesses spread over many clients are capped per address
 * (NIST SP 800-63B §5.2.2 allows at most 100 consecutive failures). Every lock expires; the
 * per-IP limit is high because colleagues share an office NAT address. A browser the account
 * signed in from before, proven by its device cookie, counts against its own budget instead
 * (OWASP "Slow down online guessing attacks with device cookies"): the owner's known device is
 * never locked by guesses made elsewhere.
 */
export const DEFAULT_RATE_LIMIT_RULES = {
  signInByAccountAndIp: { points: 5, durationSeconds: 15 * 60, blockSeconds: 15 * 60 },
  signInByAccount: { points: 50, durationSeconds: 60 * 60, blockSeconds: 15 * 60 },
  signInByIp: { points: 50, durationSeconds: 15 * 60, blockSeconds: 15 * 60 },
  signInByDevice: { points: 10, durationSeconds: 15 * 60, blockSeconds: 15 * 60 },
  signUpByIp: { points: 50, durationSeconds: 60 * 60 },
  mailByAccount: { points: 10, durationSeconds: 60 * 60 },
  // The second step comes after the right password, so only its holder can spend these: a 6-digit
  // code then has 10 guesses a quarter hour, far below NIST SP 800-63B §5.2.2's 100 (ASVS 5.0 V6.3.1).
  secondStepByAccount: { points: 10, durationSeconds: 15 * 60, blockSeconds: 15 * 60 },
} as const satisfies Record<string, RateLimitRule>;

export type RateLimitName = keyof typeof DEFAULT_RATE_LIMIT_RULES;

/** One limit and the key it counts per: an item of `checkAll` and `rewardAll`. */
export interface LimitedKey {
  readonly limit: RateLimitName;
  readonly key: string;
}
