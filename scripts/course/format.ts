/** Small text-formatting helpers shared by the commands' terminal output. */

const eighths = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A horizontal bar of unicode blocks for a fraction 0..1, in eighths of a cell. */
export function bar(fraction: number, width = 20): string {
  const clamped = Number.isFinite(fraction) ? Math.min(Math.max(fraction, 0), 1) : 0;
  const units = Math.round(clamped * width * 8);
  const full = Math.floor(units / 8);
  return '█'.repeat(full) + (eighths[units % 8] ?? '');
}

const numbers = new Intl.NumberFormat('en-US');

/** 12345 -> "12,345". */
export function count(n: number): string {
  return numbers.format(n);
}

/**
 * 0.4567 -> "45.7%"; under 1% with two decimals (0.0005 -> "0.05%"), since SES judges
 * complaint rates around 0.1%; no base -> "–".
 */
export function percent(rate: number | null): string {
  if (rate === null) return '–';
  return `${(rate * 100).toFixed(rate > 0 && rate < 0.01 ? 2 : 1)}%`;
}

/** ISO time -> "2026-11-25 08:00 UTC" (the owner compares times across time zones). */
export function time(iso: string | undefined): string {
  if (!iso) return '–';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The first characters of a pseudonymous id: enough to tell people apart on screen. */
export function idPrefix(id: string): string {
  return id.slice(0, 10);
}

/**
 * Lays rows out in columns separated by two spaces. `align` says which columns are
 * right-aligned (numbers); the last column is never padded, so lines carry no trailing blanks.
 */
export function table(
  rows: readonly (readonly string[])[],
  align: readonly ('left' | 'right')[] = [],
): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, [...cell].length);
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, i) => {
          const pad = (widths[i] ?? 0) - [...cell].length;
          if (align[i] === 'right') return ' '.repeat(pad) + cell;
          return i === row.length - 1 ? cell : cell + ' '.repeat(pad);
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
