import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { serviceNodeFlags } from '../../bench/service-flags.ts';
import { configSchema } from '../../config/config.ts';
import { portalClientUris } from '../../config/portal-client-uris.ts';

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

const compose = parse(readFileSync('docker-compose.yml', 'utf8')) as { services: Record<string, Service> };
const ours = ['idp', 'portal', 'setup'] as const;
const known = new Set(Object.keys(configSchema.shape));

/** No container engine runs here: the file is kept valid by reading it against the code. */
describe('docker-compose.yml', () => {
  it('runs PostgreSQL, the IdP, the portal and a mail catcher', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['idp', 'mail', 'portal', 'postgres', 'setup']);
    for (const service of Object.values(compose.services))
      expect(service.image ?? service.build).toBeTruthy();
  });

  it.each(ours)(
    '%s sets only variables the configuration knows, and runs an entry point that exists',
    (name) => {
      const service = compose.services[name]!;
      for (const variable of Object.keys(service.environment ?? {}))
        expect(known, variable).toContain(variable);
      const entry = service.command?.find((word) => word.endsWith('.ts'));
      expect(entry && existsSync(entry), `${entry}`).toBe(true);
    },
  );

  it('the IdP and the portal publish the ports they listen on and are health-checked on /readyz', () => {
    for (const [name, port] of [
      ['idp', 'IDP_PORT'],
      ['portal', 'PORTAL_PORT'],
    ] as const) {
      const service = compose.services[name]!;
      const listens = service.environment?.[port];
      expect(service.ports).toContain(`${listens}:${listens}`);
      expect(service.healthcheck?.test.join(' ')).toContain(`127.0.0.1:${listens}/readyz`);
    }
  });

  it('the services are configured for production: HTTPS URLs, secrets required, a database and SMTP', () => {
    for (const name of ['idp', 'portal'] as const) {
      const env = compose.services[name]!.environment!;
      expect(env.NODE_ENV).toBe('production');
      expect(env.IDP_ISSUER).toMatch(/^https:\/\//);
      expect(env.PORTAL_URL).toMatch(/^https:\/\//);
      expect(env.DATABASE_URL).toMatch(/^postgres:\/\/.+@postgres:5432\//);
      expect(env.SMTP_URL).toBe('smtp://mail:1025');
      expect(env.COOKIE_SECRETS).toMatch(/^\$\{COOKIE_SECRETS:\?/);
    }
  });

  it('the portal starts after its client is registered at the IdP with the URIs it uses', () => {
    expect(compose.services.portal!.depends_on?.setup?.condition).toBe('service_completed_successfully');
    const command = compose.services.setup!.command!.join(' ');
    const portalUrl = compose.services.portal!.environment!.PORTAL_URL;
    expect(command).toContain(`--redirect-uri ${portalUrl}/auth/callback`);
    const uris = portalClientUris(portalUrl!);
    expect(command).toContain(`--redirect-uri ${uris.redirectUris[0]}`);
    expect(command).toContain(`--post-logout-redirect-uri ${uris.postLogoutRedirectUris[0]}`);
    expect(command).toContain(`--backchannel-logout-uri ${uris.backchannelLogoutUri}`);
    expect(command).toContain('--first-party');
  });

  it('the IdP and the portal run with the Node.js flags of their npm scripts, as the bench measures them', () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
    expect(cmd).toEqual(['node', ...serviceNodeFlags('idp'), 'idp/main.ts']);
    for (const name of ['idp', 'portal'] as const) {
      const flags = serviceNodeFlags(name);
      expect(flags.some((f) => f.startsWith('--max-old-space-size='))).toBe(true);
      expect(compose.services[name]!.command).toEqual(['node', ...flags, `${name}/main.ts`]);
    }
  });

  it('the image runs as a non-root user on Node 24 with production dependencies only', () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8');
    expect(dockerfile).toMatch(/^FROM node:24-slim/m);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toContain('npm ci --omit=dev');
  });
});
