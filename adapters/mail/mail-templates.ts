import { precompiledEta } from '../http/eta-precompiled-templates.ts';

/** A mail's two bodies, as `MailContent` carries them. */
export interface MailBodies {
  readonly text: string;
  readonly html: string;
}

/** Renders the two bodies of a mail from its pair of templates. */
export interface MailTemplates {
  render(name: string, data: Record<string, unknown>): MailBodies;
}

/**
 * The mails of one capability from one folder of Eta templates, each mail a pair:
 * `<name>.text.eta`, the plain-text body (values written as they are), and `<name>.html.eta`, the
 * HTML body (`<%= %>` escapes, as on the pages). Compiled once, when the module that sends them
 * loads, through the same Eta setup as the pages. Subjects are not templated: the caller keeps them
 * to fixed text, so no user input reaches a header.
 *
 * @example
 *   const mails = createMailTemplates(fileURLToPath(new URL('./views/mail', import.meta.url)));
 *   const { text, html } = mails.render('verification-code', { code, minutes: 15 });
 */
export function createMailTemplates(dir: string): MailTemplates {
  const text = precompiledEta(dir, { autoEscape: false, files: (file) => file.endsWith('.text.eta') });
  const html = precompiledEta(dir, { autoEscape: true, files: (file) => file.endsWith('.html.eta') });
  return {
    render: (name, data) => ({
      text: text.render(`${name}.text.eta`, data),
      html: html.render(`${name}.html.eta`, data),
    }),
  };
}
