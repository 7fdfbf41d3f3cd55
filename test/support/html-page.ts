import { type HTMLElement, parse } from 'node-html-parser';

/**
 * What a page's HTML holds, read with an HTML parser as a browser reads it: its forms and their
 * hidden fields, its links, its CSRF token, the text of its elements. Attribute values and text
 * come back with their character references decoded (`&amp;` is `&`).
 *
 * @example
 *   const login = formOf(page, '/login'); // { action: 'http://…/interaction/…/login', hidden: { _csrf } }
 *   const signUp = linkTo(page, 'Sign up now'); // the absolute URL of that link
 */

/** A fetched page: where it was fetched from, against which its links resolve, and its HTML. */
export interface PageSource {
  readonly url: string;
  readonly html: string;
}

/** A form of a page: the absolute URL it posts to and its hidden fields, by name. */
export interface PageForm {
  readonly action: string;
  readonly hidden: Readonly<Record<string, string>>;
}

/** A link of a page: its text (whitespace collapsed) and the absolute URL it points to. */
export interface PageLink {
  readonly text: string;
  readonly href: string;
}

/** The parsed document of `html`. */
export function documentOf(html: string): HTMLElement {
  return parse(html);
}

/** The form whose action contains `action` (or the first form); throws, showing the page, when none does. */
export function formOf(page: PageSource, action?: string): PageForm {
  const form = formElement(documentOf(page.html), action);
  if (!form)
    throw new Error(
      `no form${action ? ` posting to ${action}` : ''} on ${page.url}:\n${page.html.slice(0, 2000)}`,
    );
  const hidden: Record<string, string> = {};
  for (const input of form.querySelectorAll('input')) {
    const name = input.getAttribute('name');
    if (name && input.getAttribute('type')?.toLowerCase() === 'hidden')
      hidden[name] = input.getAttribute('value') ?? '';
  }
  // An empty or missing action posts back to the page itself (HTML "form submission").
  return { action: new URL(form.getAttribute('action') || page.url, page.url).toString(), hidden };
}

/**
 * The `_csrf` value of the form posting to `action`, or without `action` the first on the page
 * (every signed-in portal page carries one in its Sign out form).
 */
export function csrfTokenOf(html: string, action?: string): string {
  const root = documentOf(html);
  const scope = action === undefined ? root : formElement(root, action);
  const token = scope?.querySelector('input[name="_csrf"]')?.getAttribute('value');
  if (!token)
    throw new Error(`no _csrf${action ? ` in the form posting to ${action}` : ''}:\n${html.slice(0, 1000)}`);
  return token;
}

/** Every link of the page, in document order. */
export function linksOf(page: PageSource): PageLink[] {
  return documentOf(page.html)
    .querySelectorAll('a[href]')
    .map((a) => ({
      text: collapsed(a.text),
      href: new URL(a.getAttribute('href') ?? '', page.url).toString(),
    }));
}

/** The absolute URL of the link whose text is `text`; throws, showing the page, when there is none. */
export function linkTo(page: PageSource, text: string): string {
  const link = linksOf(page).find((l) => l.text === text);
  if (!link) throw new Error(`no link "${text}" on ${page.url}:\n${page.html.slice(0, 3000)}`);
  return link.href;
}

/** The text of the first element matching the CSS `selector`, whitespace collapsed; undefined when none does. */
export function textOf(html: string, selector: string): string | undefined {
  const element = documentOf(html).querySelector(selector);
  return element ? collapsed(element.text) : undefined;
}

/** The text of every element matching the CSS `selector`, whitespace collapsed, in document order. */
export function textsOf(html: string, selector: string): string[] {
  return documentOf(html)
    .querySelectorAll(selector)
    .map((element) => collapsed(element.text));
}

function formElement(root: HTMLElement, action: string | undefined): HTMLElement | undefined {
  return root
    .querySelectorAll('form')
    .find((form) => !action || (form.getAttribute('action') ?? '').includes(action));
}

function collapsed(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
