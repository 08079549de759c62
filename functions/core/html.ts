/**
 * HTML escaping shared by the pages and anything else that puts visitor text into markup.
 */

const entities: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Escapes text for an HTML text node or a quoted attribute value. It does not make a
 * string safe inside a script, style or unquoted attribute; the pages never put one there.
 */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => entities[ch] as string);
}
