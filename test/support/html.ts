const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * What an escaping template (`<%= %>`) makes of a value: the five characters that matter in HTML
 * text and attribute values, escaped. Written out here, not taken from the templates' engine, so a
 * test compares the page with what escaping must give.
 */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}
