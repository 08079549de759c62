/**
 * Why emails are compiled at build time: compiling MJML and converting to text on every
 * send, against filling the precompiled templates (`renderEmail`).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { convert } from 'html-to-text';
import mjml2html from 'mjml';
import { type CompiledEmail, compiledEmails } from '../functions/core/generated/emails.js';
import { createRenderer, renderEmail, sampleVariables } from '../functions/core/render.js';
import { defaultEmailsDir, textOptions } from '../scripts/build-emails.js';

export interface RenderBenchResult {
  /** Median microseconds to compile the MJML, make the text part and fill it, per send. */
  readonly compilePerSendUs: number;
  /** Median microseconds for one `renderEmail` call. */
  readonly precompiledUs: number;
  /** How many times faster precompiled rendering is. */
  readonly ratio: number;
}

export interface RenderBenchOptions {
  /** @default 'lesson-1' */
  readonly id?: 'lesson-1' | 'lesson-2' | 'lesson-3' | 'lesson-4' | 'lesson-5';
  /** Timed compile-per-send runs. @default 40 */
  readonly compileRuns?: number;
  /** Timed samples of precompiled rendering, each a batch of `batch` renders. @default 60 */
  readonly renderSamples?: number;
  /** @default 2000 */
  readonly batch?: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Runs both ways of rendering one lesson many times and reports the medians. */
export async function runRenderBench(options: RenderBenchOptions = {}): Promise<RenderBenchResult> {
  const id = options.id ?? 'lesson-1';
  const compileRuns = options.compileRuns ?? 40;
  const renderSamples = options.renderSamples ?? 60;
  const batch = options.batch ?? 2000;
  const file = join(defaultEmailsDir, `${id}.mjml`);
  const source = await readFile(file, 'utf8');
  const vars = sampleVariables(id);
  const meta = compiledEmails[id] as CompiledEmail;

  async function compilePerSend(): Promise<number> {
    const started = performance.now();
    const { html } = await mjml2html(source, {
      validationLevel: 'strict',
      filePath: file,
      ignoreIncludes: false,
      includePath: defaultEmailsDir,
      keepComments: false,
    });
    const text = convert(html, textOptions);
    const rendered = createRenderer({ [id]: { ...meta, html, text } }).render(id, vars);
    const elapsed = performance.now() - started;
    if (!rendered.html.includes('Hi Sam,')) throw new Error('compile-per-send produced the wrong email');
    return elapsed * 1000;
  }

  for (let i = 0; i < 3; i++) await compilePerSend();
  const compiled: number[] = [];
  for (let i = 0; i < compileRuns; i++) compiled.push(await compilePerSend());

  let sink = 0;
  for (let i = 0; i < batch; i++) sink += renderEmail(id, vars).html.length;
  const precompiled: number[] = [];
  for (let s = 0; s < renderSamples; s++) {
    const started = performance.now();
    for (let i = 0; i < batch; i++) sink += renderEmail(id, vars).html.length;
    precompiled.push(((performance.now() - started) * 1000) / batch);
  }
  if (sink === 0) throw new Error('precompiled rendering produced nothing');

  const compilePerSendUs = median(compiled);
  const precompiledUs = median(precompiled);
  return { compilePerSendUs, precompiledUs, ratio: compilePerSendUs / precompiledUs };
}
