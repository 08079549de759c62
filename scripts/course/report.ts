/**
 * `course report`: the figures as one self-contained HTML page (inline CSS and SVG, no
 * script), to open anywhere or mail to a colleague. Built with plain template functions;
 * every value goes through escapeHtml. Reads the totals, the last 90 day items and the
 * guard: a few dozen items whatever the number of subscribers.
 */
import { writeFile } from 'node:fs/promises';
import { lastDays } from '../../functions/core/counters.js';
import { course } from '../../functions/core/course.js';
import { escapeHtml } from '../../functions/core/html.js';
import type { CourseContext } from './context.js';
import { CommandError } from './errors.js';
import {
  type CourseFigures,
  courseFigures,
  type DayFigures,
  type RateState,
  REPORT_DAYS,
  type Reputation,
} from './figures.js';
import { count, percent, time } from './format.js';

/** The clinic's accent: the sign-up page's button colour (functions/http/assets.ts). */
export const ACCENT_COLOUR = '#0b5a57';

/** Reads what the figures need: totals (unless given), the last REPORT_DAYS day items, the guard. */
export async function readFigures(
  ctx: Pick<CourseContext, 'store' | 'clock'>,
  opts: { tracking?: boolean; counters?: Readonly<Record<string, number>> } = {},
): Promise<CourseFigures> {
  const days = lastDays(ctx.clock.now(), REPORT_DAYS);
  const [counters, daily, guard] = await Promise.all([
    opts.counters ?? ctx.store.readCounters(),
    ctx.store.readDailyCounters(days),
    ctx.store.readGuard(),
  ]);
  return courseFigures({
    counters,
    daily,
    days,
    ...(guard ? { guard } : {}),
    ...(opts.tracking !== undefined ? { tracking: opts.tracking } : {}),
  });
}

/** Writes the report to `out` (replacing it) and says where it went. */
export async function runReport(
  ctx: Pick<CourseContext, 'store' | 'clock' | 'out' | 'target' | 'settings'>,
  opts: { out: string },
): Promise<CourseFigures> {
  const figures = await readFigures(ctx, { tracking: ctx.settings.trackOpensAndClicks === true });
  const html = renderReport(figures, { generatedAt: ctx.clock.now(), target: ctx.target });
  await writeFile(opts.out, html, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new CommandError(`Cannot write ${opts.out}: ${error.code ?? error.message}`);
  });
  ctx.out.write(`Report written to ${opts.out} (${count(Buffer.byteLength(html))} bytes).\n`);
  return figures;
}

export interface ReportMeta {
  readonly generatedAt: Date;
  /** What the figures were read from, e.g. "stack MyCourse (eu-west-1)". */
  readonly target: string;
}

const e = (value: string | number): string => escapeHtml(String(value));

/** The whole page. */
export function renderReport(figures: CourseFigures, meta: ReportMeta): string {
  const generated = time(meta.generatedAt.toISOString());
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Course report: ${e(course.title)}</title>
<style>${styles}</style>
</head>
<body>
<header>
<h1>Course report</h1>
<p class="course">${e(course.title)}</p>
<p class="meta">Generated ${e(generated)} from ${e(meta.target)}.</p>
</header>
<main>
${stateSection(figures.reputation)}
${funnelSection(figures)}
${dailySection(figures.daily)}
${unsubscribeSection(figures)}
${reputationSection(figures.reputation)}
</main>
<footer><p>Figures come from the counters the course keeps as it runs; daily figures are UTC days.${
    figures.tracking ? '' : ' Opens and clicks are not shown: tracking is off or nothing was counted.'
  }</p></footer>
</body>
</html>
`;
}

const stateText = {
  ok: {
    word: 'OK',
    line: 'Bounce and complaint rates are well below the levels at which SES reviews an account.',
  },
  warning: {
    word: 'Warning',
    line: 'A rate has passed half of the level at which SES reviews the account. Check the addresses being signed up.',
  },
  paused: {
    word: 'Paused',
    line: 'The reputation guard has paused lesson sending. Find the cause, then resume it with the command below.',
  },
} as const;

/** A state badge: a shape and a word as well as a colour. */
function badge(state: 'ok' | 'warning' | 'paused', word: string = stateText[state].word): string {
  const icon = {
    ok: '<circle cx="10" cy="10" r="9"/><path d="M5.5 10.5l3 3 6-7" fill="none" stroke="#fff" stroke-width="2.2"/>',
    warning:
      '<path d="M10 1.5L19 18H1z"/><path d="M10 7v5.5M10 14.5v1.8" stroke="#000" stroke-width="2.2" fill="none"/>',
    paused:
      '<rect x="1" y="1" width="18" height="18" rx="2"/><path d="M7.5 5.5v9M12.5 5.5v9" stroke="#fff" stroke-width="2.4"/>',
  }[state];
  return `<span class="badge badge-${state}"><svg viewBox="0 0 20 20" width="20" height="20" aria-hidden="true" focusable="false">${icon}</svg>${e(word)}</span>`;
}

function stateSection(r: Reputation): string {
  return `<section aria-labelledby="state-h" class="card state state-${r.state}">
<h2 id="state-h">Sending state: ${badge(r.state)}</h2>
<p>${e(stateText[r.state].line)}${r.reason ? ` Reason: ${e(r.reason)}.` : ''}</p>${
    r.state === 'paused' ? '\n<p><code>npm run course -- resume</code></p>' : ''
  }
</section>`;
}

/** A horizontal bar (decorative: the row's numbers carry the value). */
function bar(fraction: number | null, where: 'column' | 'inline' = 'column'): string {
  const pct = Math.max(0, Math.min(1, fraction ?? 0)) * 100;
  return `<span class="bar bar-${where}" aria-hidden="true"><span style="width:${pct.toFixed(1)}%"></span></span>`;
}

/** A row's label with its bar under it on a phone, and the bar in its own column on a wider screen. */
function barRow(label: string, fraction: number, cells: readonly string[]): string {
  const tds = cells.map((c) => `<td class="num">${c}</td>`).join('');
  return `<tr><th scope="row">${e(label)}${bar(fraction, 'inline')}</th>${tds}<td class="chart">${bar(fraction)}</td></tr>`;
}

function funnelSection(f: CourseFigures): string {
  const max = Math.max(1, ...f.funnel.map((s) => s.count));
  const rows = f.funnel
    .map((s) => {
      const drop =
        s.from === undefined || s.dropRate === null
          ? '–'
          : s.drop === 0
            ? '0'
            : s.drop > 0
              ? `−${e(count(s.drop))} <span class="drop-rate">(${e(percent(s.dropRate))})</span>`
              : `+${e(count(-s.drop))}`;
      return barRow(s.label, s.count / max, [e(count(s.count)), drop, e(percent(s.ofSignedUp))]);
    })
    .join('\n');
  return `<section aria-labelledby="funnel-h" class="card">
<h2 id="funnel-h">The funnel</h2>
<p>Each step with the number lost since the step before it (a lesson since the previous lesson, a delivery since its send). The bars are drawn to the same scale as the counts.</p>
<div class="table-wrap">
<table class="funnel">
<caption>Funnel steps, all time</caption>
<thead><tr><th scope="col">Step</th><th scope="col" class="num">Count</th><th scope="col" class="num">Drop</th><th scope="col" class="num">Of sign-ups</th><th scope="col" class="chart"><span class="visually-hidden">Bar</span></th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</div>
</section>`;
}

const SERIES = [
  { key: 'signedUp', title: 'Sign-ups per day' },
  { key: 'confirmed', title: 'Confirmations per day' },
  { key: 'unsubscribed', title: 'Unsubscribes per day' },
] as const;

/** A round axis maximum: 1, 2, 5, 10, 20, 50... at or above `n` (at least 1). */
export function niceMax(n: number): number {
  if (n <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) if (step * power >= n) return step * power;
  return 10 * power;
}

/** A column chart of one series over the days, at one layout width (viewBox units = px). */
function dayChart(
  days: readonly DayFigures[],
  key: (typeof SERIES)[number]['key'],
  id: string,
  width: number,
): string {
  const height = 190;
  const left = 44;
  const right = 10;
  const top = 12;
  const bottom = 44;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const values = days.map((d) => d[key]);
  const max = niceMax(Math.max(0, ...values));
  const slot = plotW / Math.max(1, days.length);
  const bars = values
    .map((v, i) => {
      if (v === 0) return '';
      const h = (v / max) * plotH;
      return `<rect x="${(left + i * slot + slot * 0.15).toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${Math.max(1, slot * 0.7).toFixed(1)}" height="${h.toFixed(1)}"/>`;
    })
    .join('');
  const ticks = [0, max / 2, max]
    .filter((t) => Number.isInteger(t))
    .map((t) => {
      const y = top + plotH - (t / max) * plotH;
      return `<line x1="${left}" x2="${width - right}" y1="${y}" y2="${y}" class="grid"/><text x="${left - 6}" y="${y + 4}" text-anchor="end">${e(count(t))}</text>`;
    })
    .join('');
  const labelAt = [0, Math.floor((days.length - 1) / 2), days.length - 1];
  const xLabels = days.length
    ? labelAt
        .map((i, n) => {
          const x = left + i * slot + slot / 2;
          const anchor = n === 0 ? 'start' : n === 2 ? 'end' : 'middle';
          return `<text x="${(n === 0 ? left : n === 2 ? width - right : x).toFixed(1)}" y="${top + plotH + 16}" text-anchor="${anchor}">${e(shortDay(days[i]?.day ?? ''))}</text>`;
        })
        .join('')
    : '';
  return `<svg viewBox="0 0 ${width} ${height}" width="100%" aria-hidden="true" focusable="false" data-chart="${e(id)}">
${ticks}<g class="bars">${bars}</g>
<line x1="${left}" x2="${width - right}" y1="${top + plotH}" y2="${top + plotH}" class="axis"/>
${xLabels}
<text x="${left + plotW / 2}" y="${height - 6}" text-anchor="middle" class="axis-title">Day (UTC)</text>
<text transform="translate(12 ${top + plotH / 2}) rotate(-90)" text-anchor="middle" class="axis-title">People</text>
</svg>`;
}

function shortDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return day;
  return date.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
}

function dailySection(days: readonly DayFigures[]): string {
  const first = days[0]?.day ?? '';
  const last = days.at(-1)?.day ?? '';
  const charts = SERIES.map(({ key, title }) => {
    const total = days.reduce((sum, d) => sum + d[key], 0);
    const peak = days.reduce<DayFigures | undefined>(
      (best, d) => (!best || d[key] > best[key] ? d : best),
      undefined,
    );
    const summary =
      total === 0
        ? `None in the ${days.length} days from ${first} to ${last}.`
        : `${count(total)} in the ${days.length} days from ${first} to ${last}; the most on one day was ${count(peak?.[key] ?? 0)}, on ${peak?.day ?? ''}.`;
    const id = `daily-${key}`;
    return `<figure>
<figcaption><strong id="${id}-t">${e(title)}</strong> <span id="${id}-d">${e(summary)}</span></figcaption>
<div role="img" aria-labelledby="${id}-t ${id}-d">
<div class="wide">${dayChart(days, key, `${id}-wide`, 720)}</div>
<div class="narrow">${dayChart(days, key, `${id}-narrow`, 340)}</div>
</div>
</figure>`;
  }).join('\n');
  const rows = [...days]
    .reverse()
    .map(
      (d) =>
        `<tr><th scope="row">${e(d.day)}</th><td class="num">${e(count(d.signedUp))}</td><td class="num">${e(count(d.confirmed))}</td><td class="num">${e(count(d.unsubscribed))}</td></tr>`,
    )
    .join('\n');
  return `<section aria-labelledby="daily-h" class="card">
<h2 id="daily-h">The last ${days.length} days</h2>
${charts}
<details>
<summary>The figures of each day, as a table</summary>
<div class="table-wrap">
<table>
<caption>Per UTC day, newest first</caption>
<thead><tr><th scope="col">Day</th><th scope="col" class="num">Sign-ups</th><th scope="col" class="num">Confirmations</th><th scope="col" class="num">Unsubscribes</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</div>
</details>
</section>`;
}

function unsubscribeSection(f: CourseFigures): string {
  const total = f.unsubscribesByLesson.reduce((sum, u) => sum + u.count, 0);
  const max = Math.max(1, ...f.unsubscribesByLesson.map((u) => u.count));
  const rows = f.unsubscribesByLesson
    .map((u) =>
      barRow(u.label, u.count / max, [e(count(u.count)), e(percent(total > 0 ? u.count / total : null))]),
    )
    .join('\n');
  return `<section aria-labelledby="unsub-h" class="card">
<h2 id="unsub-h">Unsubscribes by lesson</h2>
<p>Which lesson people had last received when they left, all time.</p>
<div class="table-wrap">
<table class="funnel">
<caption>Unsubscribes by the last email received</caption>
<thead><tr><th scope="col">When</th><th scope="col" class="num">People</th><th scope="col" class="num">Share</th><th scope="col" class="chart"><span class="visually-hidden">Bar</span></th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</div>
</section>`;
}

/** A scale from 0 with the rate and the three levels marked on it. */
function rateScale(
  rate: number,
  levels: { warning: number; pause: number; review: number },
  state: RateState,
): string {
  const width = 340;
  const left = 8;
  const right = 8;
  const end = Math.max(levels.review * 1.5, rate * 1.1);
  const x = (v: number) => left + (Math.min(v, end) / end) * (width - left - right);
  const mark = (v: number, label: string, y: number) =>
    `<line x1="${x(v).toFixed(1)}" x2="${x(v).toFixed(1)}" y1="14" y2="40" class="level"/><text x="${x(v).toFixed(1)}" y="${y}" text-anchor="middle">${e(label)}</text>`;
  return `<svg viewBox="0 0 ${width} 78" width="100%" aria-hidden="true" focusable="false" class="scale">
<rect x="${left}" y="20" width="${width - left - right}" height="14" class="track"/>
<rect x="${left}" y="20" width="${(x(rate) - left).toFixed(1)}" height="14" class="value value-${state}"/>
${mark(levels.warning, `warn ${percent(levels.warning)}`, 52)}${mark(levels.pause, `pause ${percent(levels.pause)}`, 64)}${mark(levels.review, `SES ${percent(levels.review)}`, 76)}
<text x="${left}" y="11">0%</text>
</svg>`;
}

function reputationSection(r: Reputation): string {
  const since = r.since ? `since the resume at ${time(r.since)}` : 'since the course started';
  const line = (
    name: string,
    rate: number,
    state: RateState,
    warning: number,
    pause: number,
    review: number,
  ) => `<div class="rate">
<h3>${e(name)}: ${e(percent(rate))} ${badge(state, state === 'paused' ? 'Past the pause level' : stateText[state].word)}</h3>
${rateScale(rate, { warning, pause, review }, state)}
<p>Warning from ${e(percent(warning))}; the reputation guard pauses lessons at ${e(percent(pause))}; SES reviews the account at ${e(percent(review))}.</p>
</div>`;
  return `<section aria-labelledby="rep-h" class="card">
<h2 id="rep-h">Bounces and complaints</h2>
<p>Of ${e(count(r.sent))} emails sent ${e(since)} (lessons and confirmations).${
    r.sent < r.guardMinSends
      ? ` The guard judges from ${e(count(r.guardMinSends))} emails on; until then one bounce moves the rate a lot.`
      : ''
  }</p>
${line('Bounce rate', r.bounceRate, r.bounceState, r.warningAt.bounceRate, r.guardPausesAt.bounceRate, r.sesReview.bounceRate)}
${line('Complaint rate', r.complaintRate, r.complaintState, r.warningAt.complaintRate, r.guardPausesAt.complaintRate, r.sesReview.complaintRate)}
</section>`;
}

const styles = `
:root { --ink: #1c2527; --muted: #4a5759; --paper: #fbfaf7; --card: #fff; --line: #d5dcdc; --accent: ${ACCENT_COLOUR}; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--paper); }
header, main, footer { max-width: 60rem; margin: 0 auto; padding: 0 1rem; }
header { padding-top: 1.5rem; }
h1 { margin: 0; font-size: 1.75rem; color: var(--accent); }
h2 { font-size: 1.3rem; margin: 0 0 0.5rem; display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem; }
h3 { font-size: 1.05rem; margin: 1rem 0 0.25rem; display: flex; flex-wrap: wrap; align-items: center; gap: 0.5rem; }
.course { font-size: 1.1rem; margin: 0.25rem 0; }
.meta, footer p { color: var(--muted); font-size: 0.95rem; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 1rem; margin: 1rem 0; }
.state { border-left: 6px solid var(--accent); }
.state-warning { border-left-color: #b07400; }
.state-paused { border-left-color: #a1001c; }
code { font-family: ui-monospace, Menlo, Consolas, monospace; background: #eef2f2; padding: 0.1rem 0.3rem; border-radius: 3px; }
table { border-collapse: collapse; width: 100%; font-size: 0.95rem; }
caption { text-align: left; color: var(--muted); padding-bottom: 0.25rem; }
th, td { padding: 0.3rem 0.4rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: middle; }
th[scope=row] { font-weight: 500; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.chart { width: 35%; min-width: 4rem; }
.bar { display: block; height: 0.9rem; background: #e7eeee; border-radius: 2px; }
.bar-inline { display: none; margin-top: 0.2rem; }
.bar span { display: block; height: 100%; background: var(--accent); border-radius: 2px; }
.table-wrap { max-width: 100%; }
figure { margin: 1rem 0; }
figcaption { margin-bottom: 0.25rem; }
svg text { font-size: 12px; fill: var(--ink); }
svg .axis-title { fill: var(--muted); }
svg .bars rect { fill: var(--accent); }
svg .grid { stroke: #e1e6e6; }
svg .axis { stroke: var(--ink); }
.narrow { display: none; }
.scale { max-width: 30rem; display: block; }
.scale .track { fill: #e7eeee; }
.scale .value-ok { fill: var(--accent); }
.scale .value-warning { fill: #8a5a00; }
.scale .value-paused { fill: #a1001c; }
.scale .level { stroke: var(--ink); stroke-dasharray: 3 2; }
.badge { display: inline-flex; align-items: center; gap: 0.3rem; padding: 0.1rem 0.6rem 0.1rem 0.3rem; border-radius: 1rem; font-weight: 700; font-size: 0.95rem; border: 2px solid; }
.badge svg { flex: none; }
.badge-ok { color: var(--accent); border-color: var(--accent); }
.badge-ok svg { fill: var(--accent); }
.badge-warning { color: #6b4500; border-color: #b07400; background: #fff6df; }
.badge-warning svg { fill: #f0b429; }
.badge-paused { color: #a1001c; border-color: #a1001c; background: #fdf0f2; }
.badge-paused svg { fill: #a1001c; }
details { margin-top: 0.5rem; }
summary { cursor: pointer; color: var(--accent); font-weight: 600; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (max-width: 36rem) {
  .wide { display: none; }
  .narrow { display: block; }
  header, main, footer { padding: 0 0.5rem; }
  .card { padding: 0.75rem 0.5rem; }
  th, td { padding: 0.25rem 0.2rem; font-size: 0.85rem; }
  td.chart, th.chart { display: none; }
  .bar-inline { display: block; }
  .drop-rate { display: block; }
}
`;
