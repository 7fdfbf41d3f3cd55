import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggablePath } from '../../adapters/http/loggable-path.ts';
import { createOrganization } from '../../portal/accounts/create-organization.ts';
import { SYSTEM_ACTOR } from '../../portal/domain.ts';
import { linkTo } from '../support/html-page.ts';
import { type Exchange, type HttpRecorder, recordHttp } from '../support/http-recorder.ts';
import { startTestIdp, type TestIdp } from '../support/idp-instance.ts';
import { captureLogs, type LogCapture } from '../support/log-capture.ts';
import { newPerson } from '../support/oidc-client.ts';
import { startTestPortal, type TestPortal } from '../support/portal-instance.ts';
import { acceptBySigningUp, invitationLink, usernameOf } from '../support/portal-people.ts';
import { parsedSetCookies } from '../support/set-cookie.ts';

interface LogLine {
  readonly reqId?: string;
  readonly msg?: string;
  readonly method?: string;
  readonly path?: string;
  readonly status?: number;
  readonly durationMs?: number;
}

// Query parameters and form fields that carry secrets: codes, tokens, state, CSRF, passwords.
const SECRET_QUERY = ['code', 'state', 'nonce', 'token', 'id_token_hint', 'code_challenge', 'logout_token'];
const SECRET_FIELD = /password|code|token|secret|verifier|csrf|xsrf/i;
const TOKEN_FIELDS = ['access_token', 'refresh_token', 'id_token'];

describe('the logs of a whole journey: one JSON line per request, and no secret in any', () => {
  let logs: LogCapture;
  let http: HttpRecorder;
  let idp: TestIdp;
  let portal: TestPortal;
  const passwords: string[] = [];

  beforeAll(async () => {
    logs = captureLogs();
    idp = await startTestIdp({}, { logger: logs.logger('idp') });
    portal = await startTestPortal(idp, {}, { logger: logs.logger('portal') });
    http = recordHttp();
    await fullJourney();
    http.stop();
  }, 60_000);
  afterAll(async () => {
    http?.stop();
    await portal?.close();
    await idp?.close();
  });

  /** Sign up at the IdP through an invitation, claim it, add a professional who joins, sign out. */
  async function fullJourney(): Promise<void> {
    const admin = newPerson({ givenName: 'Admin', familyName: 'Logs' });
    const bob = newPerson({ givenName: 'Bob', familyName: 'Builder' });
    passwords.push(admin.password, bob.password);
    await createOrganization(portal.domain, {
      actor: SYSTEM_ACTOR,
      name: 'Fabrikam',
      admin: { givenName: admin.givenName, familyName: admin.familyName, email: admin.email },
    });
    const signedIn = await acceptBySigningUp(idp, await invitationLink(idp, portal, admin.email), admin);
    expect(usernameOf(signedIn.home)).toBe('Admin Logs');
    const accounts = await signedIn.browser.get(linkTo(signedIn.home, 'Our CustomerSource Accounts'));
    const organization = await signedIn.browser.get(linkTo(accounts, 'Fabrikam'));
    const form = await signedIn.browser.get(linkTo(organization, 'Add New Professionals'));
    const profile = await signedIn.browser.submit(
      form,
      { givenName: bob.givenName, familyName: bob.familyName, email: bob.email, sendInvitation: 'yes' },
      '/professionals',
    );
    expect(profile.html).toContain('The invitation e-mail is on its way');
    const joined = await acceptBySigningUp(idp, await invitationLink(idp, portal, bob.email), bob);
    expect(usernameOf(joined.home)).toBe('Bob Builder');
    const confirm = await joined.browser.submit(joined.home, {}, '/sign-out');
    const signedOut = await joined.browser.submit(confirm, { logout: 'yes' });
    expect(signedOut.html).toContain('Welcome, User');
  }

  const ours = (e: Exchange) => [idp.issuer, portal.url].includes(e.url.origin);
  const parsed = () => logs.lines.map((line) => JSON.parse(line) as LogLine);

  it('every line is JSON and carries a request id', () => {
    expect(logs.lines.length).toBeGreaterThan(25);
    for (const line of logs.lines) {
      expect(line.endsWith('\n')).toBe(true);
      const entry = JSON.parse(line) as LogLine;
      expect(entry.reqId, line).toMatch(/^[\w-]{1,64}$/);
    }
  });

  it('each response names its request id, and the line for it says what was asked and answered', () => {
    const requests = parsed().filter((l) => l.msg === 'request');
    const answered = http.exchanges.filter(ours);
    expect(answered.length).toBeGreaterThan(25);
    for (const exchange of answered) {
      const id = exchange.responseHeaders.get('x-request-id');
      expect(id, exchange.url.pathname).toBeTruthy();
      const line = requests.find((l) => l.reqId === id);
      expect(line, `${exchange.method} ${exchange.url.pathname}`).toMatchObject({
        method: exchange.method,
        path: loggablePath(exchange.url.pathname),
        status: exchange.status,
      });
      expect(line?.durationMs).toBeGreaterThanOrEqual(0);
    }
  });

  it('a sane X-Request-Id from the caller is kept; anything else is replaced', async () => {
    const kept = await fetch(`${portal.url}/healthz`, { headers: { 'x-request-id': 'lb-7f3a-0001' } });
    expect(kept.headers.get('x-request-id')).toBe('lb-7f3a-0001');
    const idpKept = await fetch(`${idp.issuer}/healthz`, { headers: { 'x-request-id': 'lb-7f3a-0002' } });
    expect(idpKept.headers.get('x-request-id')).toBe('lb-7f3a-0002');
    for (const bad of ['x'.repeat(65), 'has spaces', 'quote"d', '']) {
      const res = await fetch(`${portal.url}/healthz`, { headers: { 'x-request-id': bad } });
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
    const ids = parsed().map((l) => l.reqId);
    expect(ids).toContain('lb-7f3a-0001');
    expect(ids).toContain('lb-7f3a-0002');
  });

  it('no line holds a password, a verification code, a token, a cookie, or a code= / token= query', () => {
    const text = logs.lines.join('');
    const secrets = new Set<string>(passwords);
    for (const exchange of http.exchanges) for (const s of secretsOf(exchange)) secrets.add(s);
    const links = idp.smtp.messages.flatMap((m) => m.links).filter((l) => l.includes('token='));
    for (const link of links) secrets.add(new URL(link).searchParams.get('token')!);
    expect(links.length).toBe(2);
    expect([...secrets].filter((s) => s.length >= 20).length).toBeGreaterThan(20);
    for (const secret of secrets) expect(text.includes(secret), `a log line holds ${secret}`).toBe(false);
    const codes = idp.smtp.messages.flatMap((m) => /\b(\d{6})\b/.exec(m.text)?.[1] ?? []);
    expect(codes.length).toBe(2);
    for (const code of codes) expect(text).not.toMatch(new RegExp(`(?<!\\d)${code}(?!\\d)`));
    expect(text).not.toMatch(/token=|code=/);
    expect(text).not.toMatch(/interaction\/[\w-]{16,}/);
  });
});

/** The secrets one exchange carried: query values, form fields, cookies, credentials, tokens. */
function secretsOf(exchange: Exchange): string[] {
  const found: string[] = [];
  for (const name of SECRET_QUERY) found.push(...exchange.url.searchParams.getAll(name));
  for (const [name, value] of new URLSearchParams(exchange.body ?? '')) {
    if (SECRET_FIELD.test(name)) found.push(value);
  }
  const cookies = exchange.requestHeaders.get('cookie') ?? '';
  for (const pair of cookies.split(';')) found.push(pair.slice(pair.indexOf('=') + 1).trim());
  for (const cookie of parsedSetCookies(exchange.responseHeaders.getSetCookie())) found.push(cookie.value);
  const credentials = exchange.requestHeaders.get('authorization')?.split(' ')[1];
  if (credentials) found.push(credentials);
  for (const field of TOKEN_FIELDS) {
    const value = exchange.json?.[field];
    if (typeof value === 'string') found.push(value);
  }
  // Short values (a cookie flag, `yes`) are not secrets and would match by chance.
  return found.filter((value) => value.length >= 8);
}
