import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * The whole configuration of Gatehouse, read once from the environment and frozen.
 * Nothing else reads `process.env`: services receive this object.
 *
 * @example
 *   const config = loadConfig(process.env);
 *   createIdp(config, deps);
 */
export type Config = Readonly<z.infer<typeof configSchema>>;

const port = z.coerce.number().int().min(0).max(65535);
const httpUrl = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ''));
const secret = z.string().min(32, 'must be at least 32 characters');
/**
 * One entry of `SIGN_IN_OPTIONS`. The built-in IdP's entry (no `issuer`, or `IDP_ISSUER`) needs no
 * client: it is the portal's own client at the built-in IdP (`PORTAL_CLIENT_ID`, the secret
 * `npm start` registers or `PORTAL_CLIENT_SECRET`). Any other entry names its client.
 */
const signInOption = z.object({
  id: z.string().regex(/^[\w-]{1,40}$/),
  label: z.string().min(1),
  issuer: httpUrl.optional(),
  clientId: z.string().min(1).optional(),
  clientSecret: z.string().min(1).optional(),
  /**
   * How the portal authenticates at the option's token endpoint (RFC 6749 §2.3.1). Basic is the
   * default; `client_secret_post` is for providers that mishandle the form-encoding Basic needs.
   */
  tokenEndpointAuthMethod: z
    .enum(['client_secret_basic', 'client_secret_post'])
    .default('client_secret_basic'),
});
export type SignInOptionConfig = z.infer<typeof signInOption>;

/**
 * `DNS_SERVERS`: comma-separated resolvers, each an IP address with an optional port
 * (`192.0.2.53`, `192.0.2.53:5353`, `2001:db8::53`, `[2001:db8::53]:5353`), as Node's
 * `Resolver#setServers` takes them. Host names are refused: the resolver would need a resolver.
 */
const dnsServers = z.string().transform((value, ctx) => {
  const servers = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = servers.filter((server) => !isDnsServer(server));
  if (servers.length === 0 || bad.length > 0) {
    ctx.addIssue({
      code: 'custom',
      message: `${bad.length ? `"${bad.join('", "')}" is not` : 'must list'} an IP address with an optional port, comma-separated (e.g. 192.0.2.53,192.0.2.54:5353,[2001:db8::53]:53)`,
    });
    return z.NEVER;
  }
  return servers;
});

function isDnsServer(server: string): boolean {
  if (isIP(server)) return true;
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|(\d{1,3}(?:\.\d{1,3}){3})):(\d{1,5})$/.exec(server);
  if (!match) return false;
  const host = match[1] ?? match[2]!;
  const port = Number(match[3]);
  return isIP(host) === (match[1] ? 6 : 4) && port >= 1 && port <= 65535;
}

export const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
    DATA_DIR: z.string().default('.data'),
    SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
    /** Web page of the dev mailbox `npm start` runs when SMTP_URL is unset. */
    DEV_MAILBOX_PORT: port.default(4025),
    MAIL_FROM: z.string().min(3).default('Gatehouse <no-reply@gatehouse.localhost>'),
    IDP_PORT: port.default(4000),
    PORTAL_PORT: port.default(3000),
    IDP_ISSUER: httpUrl.default('http://localhost:4000'),
    PORTAL_URL: httpUrl.default('http://localhost:3000'),
    IDP_NAME: z.string().min(1).default('Gatehouse Account'),
    PORTAL_NAME: z.string().min(1).default('CustomerSource'),
    /** The portal's client at the built-in IdP; `npm start` registers it and supplies the secret when unset. */
    PORTAL_CLIENT_ID: z.string().min(1).default('gatehouse-portal'),
    PORTAL_CLIENT_SECRET: secret.optional(),
    /** Label of the built-in IdP on the Extranet Login page. */
    SIGN_IN_LABEL: z.string().min(1).default('Microsoft Dynamics Customers and Partners'),
    /** JSON array of `{id, label, issuer, clientId, clientSecret}`; unset means the built-in IdP only. */
    SIGN_IN_OPTIONS: z
      .string()
      .transform((s, ctx) => {
        try {
          return JSON.parse(s) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be a JSON array of sign-in options' });
          return z.NEVER;
        }
      })
      .pipe(z.array(signInOption).min(1))
      .optional(),
    /** Key of the invitation links (HS256); defaults to one kept in the database. */
    INVITATION_SECRET: secret.optional(),
    /** Keys for oidc-provider's signed cookies and our CSRF tokens; comma-separated, newest first. */
    COOKIE_SECRETS: z
      .string()
      .transform((s) => s.split(',').map((k) => k.trim()))
      .pipe(z.array(secret).min(1))
      .optional(),
    /** Bearer token that allows dynamic client registration; unset means registration is off. */
    REGISTRATION_ACCESS_TOKEN: secret.optional(),
    TRUST_PROXY: z.stringbool().default(false),
    /** Bearer token `/metrics` requires; unset, `/metrics` answers this machine only (loopback). Required in production. */
    METRICS_TOKEN: secret.optional(),
    /** How often each IdP instance looks for signing keys rotated elsewhere (CLI, another instance). */
    KEY_CHECK_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
    /**
     * Let the IdP call apps on private or loopback addresses (back-channel logout). oidc-provider
     * refuses them by default (SSRF protection); development and a compose network need them.
     * Unset: allowed except in production.
     */
    ALLOW_PRIVATE_NETWORK_CALLBACKS: z.stringbool().optional(),
    /** Resolvers the portal asks for domain verification TXT records; unset, the system's. */
    DNS_SERVERS: dnsServers.optional(),
    /** J20: how many days the portal keeps audit events; older ones are deleted by scheduled work. */
    AUDIT_RETENTION_DAYS: z.coerce.number().int().min(30).max(36_500).default(400),
  })
  .superRefine((config, ctx) => {
    config.SIGN_IN_OPTIONS?.forEach((option, index) => {
      if (isBuiltInOption(config, option)) return;
      for (const key of ['clientId', 'clientSecret'] as const)
        if (!option[key])
          ctx.addIssue({
            code: 'custom',
            path: ['SIGN_IN_OPTIONS', index, key],
            message: `required for "${option.label}" (only the built-in IdP's option may leave it out)`,
          });
    });
  });

/** The built-in IdP's entry of the portal's sign-in options: by default the only one; undefined if left out. */
export function builtInOption(config: Config): SignInOptionConfig | undefined {
  if (!config.SIGN_IN_OPTIONS)
    return { id: 'default', label: config.SIGN_IN_LABEL, tokenEndpointAuthMethod: 'client_secret_basic' };
  return config.SIGN_IN_OPTIONS.find((option) => isBuiltInOption(config, option));
}

/** True for the sign-in option that is the built-in IdP: no issuer of its own, or `IDP_ISSUER`. */
export function isBuiltInOption(
  config: { readonly IDP_ISSUER: string },
  option: { readonly issuer?: string },
): boolean {
  return option.issuer === undefined || option.issuer === config.IDP_ISSUER;
}

/** A configuration problem, naming the variable so the operator can fix it. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
}

/** Validate the environment; throws a `ConfigError` naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const config = parsed.data;
  if (config.NODE_ENV === 'production') requireProductionSettings(config);
  return Object.freeze(config);
}

function requireProductionSettings(config: z.infer<typeof configSchema>): void {
  const missing: string[] = [];
  if (!config.DATABASE_URL) missing.push('DATABASE_URL: required in production');
  if (!config.SMTP_URL) missing.push('SMTP_URL: required in production');
  if (!config.COOKIE_SECRETS) missing.push('COOKIE_SECRETS: required in production');
  // Loopback alone is no fence in production: a proxy or sidecar on the same host connects from
  // loopback for every client it relays.
  if (!config.METRICS_TOKEN)
    missing.push('METRICS_TOKEN: required in production, so that /metrics is not public');
  if (!config.IDP_ISSUER.startsWith('https://'))
    missing.push('IDP_ISSUER: must be an https URL in production');
  if (!config.PORTAL_URL.startsWith('https://'))
    missing.push('PORTAL_URL: must be an https URL in production');
  if (missing.length) throw new ConfigError(`Invalid configuration:\n  ${missing.join('\n  ')}`);
}

/** For a process's entry point: the configuration, or the problem printed plainly and exit code 1. */
export function loadConfigOrExit(
  env: Record<string, string | undefined>,
  required: readonly (keyof Config)[] = [],
  purpose = 'to run this service',
): Config {
  try {
    const config = loadConfig(env);
    const missing = required.filter((name) => config[name] === undefined);
    if (missing.length) {
      throw new ConfigError(
        `Invalid configuration:\n  ${missing.map((n) => `${n}: required ${purpose}`).join('\n  ')}`,
      );
    }
    return config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
