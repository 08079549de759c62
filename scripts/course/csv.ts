/** CSV writing (RFC 4180) that is also safe to open in a spreadsheet. */

// A spreadsheet runs a cell that starts with one of these as a formula (CSV injection);
// tab and carriage return are on OWASP's list too.
const formulaStart = /^[=+\-@\t\r]/;

/**
 * One cell: a leading formula character gets a single quote in front, and a cell with
 * a quote, comma or line break is quoted with its quotes doubled.
 */
export function csvCell(value: string | number | undefined | null): string {
  if (value === undefined || value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && formulaStart.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One line, ended with CRLF as RFC 4180 asks. */
export function csvRow(values: readonly (string | number | undefined | null)[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}
