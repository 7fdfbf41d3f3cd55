import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

const DIR = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

/**
 * The README's pictures are taken on the way through a Chromium journey, only when asked:
 * `SAVE_SCREENSHOTS=1 npm test -- test/journeys/…` refreshes them; any other run leaves docs/ alone.
 */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  if (process.env.SAVE_SCREENSHOTS === '1') await page.screenshot({ path: `${DIR}${name}`, fullPage: true });
}
