/**
 * A small multipart/form-data reader (RFC 7578), for the text fields of the forms the API
 * receives: mail providers' RFC 8058 one-click unsubscribe posts and HTML forms sent with
 * `enctype="multipart/form-data"`. Bounded by the API's body limit and MAX_PARTS; file parts
 * are skipped. A well-kept library (busboy) would be a stream parser with dependencies for
 * what is here at most 10 KB in memory.
 */

/** More parts than any of the API's forms has is not a form for us. */
export const MAX_PARTS = 32;

// RFC 2046 bchars: 1 to 70, not ending in a space.
const boundaryChars = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;

/** The boundary of a `multipart/form-data; boundary=...` content type, or undefined. */
export function boundaryOf(contentType: string): string | undefined {
  const match = /;\s*boundary=(?:"([^"]*)"|([^;\s]*))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  return boundary && boundaryChars.test(boundary) ? boundary : undefined;
}

/**
 * The text fields of a multipart body, in order, or undefined when the body is not well
 * formed (no opening or closing delimiter, a part without its blank line, too many parts).
 */
export function parseMultipart(body: Buffer, boundary: string): [string, string][] | undefined {
  // latin1 maps each byte to one character, so positions are byte offsets; values are
  // decoded as UTF-8 afterwards.
  const text = body.toString('latin1');
  const delimiter = `--${boundary}`;
  // Anything before the first delimiter is a preamble, ignored.
  const first = text.startsWith(delimiter) ? -2 : text.indexOf(`\r\n${delimiter}`);
  if (first === -1) return undefined;
  let pos = first + 2;
  const fields: [string, string][] = [];
  for (let parts = 0; ; parts++) {
    pos += delimiter.length;
    if (text.startsWith('--', pos)) return fields;
    if (parts >= MAX_PARTS) return undefined;
    while (text[pos] === ' ' || text[pos] === '\t') pos++;
    if (!text.startsWith('\r\n', pos)) return undefined;
    pos += 2;
    const end = text.indexOf(`\r\n${delimiter}`, pos);
    if (end < 0) return undefined;
    const part = text.slice(pos, end);
    const blank = part.startsWith('\r\n') ? 0 : part.indexOf('\r\n\r\n');
    if (blank < 0) return undefined;
    const name = fieldName(part.slice(0, blank));
    const value = part.slice(blank === 0 ? 2 : blank + 4);
    if (name !== undefined) fields.push([name, Buffer.from(value, 'latin1').toString('utf8')]);
    pos = end + 2;
  }
}

/** The field name of a part's headers; undefined for a file or a part without one. */
function fieldName(head: string): string | undefined {
  for (const line of head.split('\r\n')) {
    const [name, ...rest] = line.split(':');
    if (name?.trim().toLowerCase() !== 'content-disposition') continue;
    const value = rest.join(':');
    if (!/^\s*form-data\s*(;|$)/i.test(value) || /;\s*filename\*?=/i.test(value)) return undefined;
    const match = /;\s*name=(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))/i.exec(value);
    const raw = match?.[1]?.replace(/\\(.)/g, '$1') ?? match?.[2];
    return raw === undefined ? undefined : Buffer.from(raw, 'latin1').toString('utf8');
  }
  return undefined;
}
