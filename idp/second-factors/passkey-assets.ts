import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { StaticAsset } from '../../adapters/http/assets.ts';

const require = createRequire(import.meta.url);
// The package exports its modules only; the bundle sits beside them (its `unpkg` entry).
const browserBundle = new URL(
  '../dist/bundle/index.umd.min.js',
  pathToFileURL(require.resolve('@simplewebauthn/browser')),
);

/**
 * The scripts of the passkey pages, served from our origin under the pages' CSP (`script-src
 * 'self'`, no inline script): SimpleWebAuthn's browser bundle (the global `SimpleWebAuthnBrowser`)
 * and ours, which drives it from the forms' `data-` attributes.
 */
export const passkeyAssets: Readonly<Record<string, StaticAsset>> = {
  '/assets/simplewebauthn-browser.js': {
    body: readFileSync(browserBundle),
    type: 'application/javascript',
  },
  '/assets/passkeys.js': {
    body: readFileSync(new URL('./passkeys.js', import.meta.url)),
    type: 'application/javascript',
  },
};
