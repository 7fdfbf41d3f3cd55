import { type BrowserlessClient, browserlessClient, type Page } from './browserless-client.ts';
import type { TestIdp } from './idp-instance.ts';

/** The new password the reset journeys choose, unless they say otherwise. */
export const NEW_PASSWORD = 'a brand new passphrase 5';

/** Ask for a link at "Forgot password" (in `browser`) and return it from the mail it sends. */
export async function askForResetLink(
  idp: TestIdp,
  email: string,
  browser: BrowserlessClient = browserlessClient(),
): Promise<string> {
  const sent = idp.smtp.messages.length;
  await browser.submit(await browser.get(`${idp.issuer}/forgot-password`), { email }, '/forgot-password');
  const mail = await idp.smtp.waitForMail(
    (m) => m.to === email && m.subject === 'Reset your password' && idp.smtp.messages.indexOf(m) >= sent,
  );
  return mail.links.find((l) => l.startsWith(`${idp.issuer}/reset-password?token=`))!;
}

/** Open a reset link and choose `newPassword`: the page the reset form answers with. */
export async function chooseNewPassword(
  link: string,
  newPassword = NEW_PASSWORD,
  browser: BrowserlessClient = browserlessClient(),
): Promise<Page> {
  return browser.submit(await browser.get(link), { newPassword }, '/reset-password');
}
