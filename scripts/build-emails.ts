/**
 * Compiles every email once, at build time: MJML -> HTML (strict validation), HTML ->
 * plain text, and writes `functions/core/generated/emails.ts` for the renderer. The
 * `{{name}}` placeholders survive compilation and are filled at send time, so neither
 * mjml nor html-to-text ever ships in a Lambda.
 *
 * Usage: `npm run build` (or `tsx scripts/build-emails.ts [--dir emails] [--out file]`).
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { convert, type HtmlToTextOptions } from 'html-to-text';
import mjml2html from 'mjml';
import { emailCatalog, sampleValues, type VariableName, variableKinds } from '../emails/catalog.js';
import { course } from '../functions/core/course.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Default locations, relative to the repository root. */
export const defaultEmailsDir = join(root, 'emails');
export const defaultOutFile = join(root, 'functions/core/generated/emails.ts');

/** Gmail clips messages over 102 KB (HTML bytes), hiding the footer and its unsubscribe link. */
export const maxHtmlBytes = 102 * 1024;

/**
 * Invisible characters after the preheader: inboxes fill their preview line with text
 * from the top of the body (the header, "Hi Sam") unless something fills it first.
 */
export const preheaderSpacer = '&#847;&zwnj;&nbsp;'.repeat(90);

/** A template that cannot become a sendable email. The message names the file and the problem. */
export class EmailBuildError extends Error {
  override readonly name = 'EmailBuildError';
}

/** What course.ts says about one email. */
export interface EmailSource {
  readonly id: string;
  readonly subject: string;
  readonly preheader: string;
}

export interface CompiledEmail extends EmailSource {
  readonly html: string;
  readonly text: string;
  /** Declared variables, in catalog order. */
  readonly variables: readonly string[];
  readonly sample: Readonly<Record<string, string>>;
  readonly htmlBytes: number;
}

export interface BuildOptions {
  /** Folder holding `<id>.mjml` and `partials/`. @default emails/ */
  readonly dir?: string;
  /** @default the confirmation and the sequence from course.ts */
  readonly emails?: readonly EmailSource[];
  /** Variables per id. @default emails/catalog.ts */
  readonly catalog?: Readonly<Record<string, readonly string[]>>;
}

/** Placeholder names are plain identifiers; anything else between braces is an error. */
const placeholder = /\{\{([A-Za-z][A-Za-z0-9]*)\}\}/g;
const buildToken = /\[\[([A-Za-z]+)\]\]/g;

/** How the plain-text part is made from the HTML: links as "text (URL)", headings as written. */
export const textOptions: HtmlToTextOptions = {
  wordwrap: 78,
  baseElements: { selectors: ['body'] },
  selectors: [
    // The hidden preheader is inbox chrome, not content.
    { selector: 'div[style*="display:none"]', format: 'skip' },
    { selector: 'img', format: 'skip' },
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true, linkBrackets: ['(', ')'] } },
    { selector: 'h1', options: { uppercase: false, leadingLineBreaks: 2, trailingLineBreaks: 1 } },
    { selector: 'h2', options: { uppercase: false, leadingLineBreaks: 2, trailingLineBreaks: 1 } },
    { selector: 'h3', options: { uppercase: false } },
  ],
};

/** HTML-escapes a build-time value (subject, preheader, course title). */
function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** Every mj-include must resolve: mjml itself turns a missing partial into a silent comment. */
async function checkIncludes(file: string, dir: string, seen = new Set<string>()): Promise<void> {
  if (seen.has(file)) return;
  seen.add(file);
  const source = await readFile(file, 'utf8');
  for (const match of source.matchAll(/<mj-include\s+[^>]*path="([^"]+)"/g)) {
    const target = resolve(dirname(file), match[1] as string);
    if (!existsSync(target)) {
      throw new EmailBuildError(
        `${relative(dir, file)}: mj-include "${match[1]}" not found (looked for ${relative(dir, target)})`,
      );
    }
    if (target.endsWith('.mjml')) await checkIncludes(target, dir, seen);
  }
}

function namesIn(text: string): Set<string> {
  return new Set([...text.matchAll(placeholder)].map((m) => m[1] as string));
}

/** Placeholders must be well formed, declared, all used, and URLs only where URLs belong. */
function checkPlaceholders(where: string, html: string, subject: string, declared: readonly string[]): void {
  const stray = html.replace(placeholder, '').match(/\{\{[^}]{0,40}\}?\}?|\}\}/);
  if (stray) throw new EmailBuildError(`${where}: malformed placeholder "${stray[0]}"`);
  const used = namesIn(html);
  for (const name of namesIn(subject)) used.add(name);
  for (const name of used) {
    if (!declared.includes(name)) {
      throw new EmailBuildError(`${where}: uses {{${name}}} but emails/catalog.ts does not declare it`);
    }
  }
  for (const name of declared) {
    if (!used.has(name)) throw new EmailBuildError(`${where}: declares ${name} but never uses it`);
  }
  for (const name of namesIn(subject)) {
    if (kindOf(name) === 'url')
      throw new EmailBuildError(`${where}: subject may not contain the URL {{${name}}}`);
  }
  // A text value inside href could become a javascript: link; a URL value must fill the whole href.
  for (const match of html.matchAll(/\bhref\s*=\s*"([^"]*)"/gi)) {
    const value = match[1] as string;
    if (!value.includes('{{')) continue;
    const whole = /^\{\{([A-Za-z][A-Za-z0-9]*)\}\}$/.exec(value);
    if (!whole || kindOf(whole[1] as string) !== 'url') {
      throw new EmailBuildError(`${where}: href="${value}" must be exactly one URL variable`);
    }
  }
}

function kindOf(name: string): 'url' | 'text' | undefined {
  return (variableKinds as Record<string, 'url' | 'text'>)[name];
}

/** Compiles one template (strict MJML validation) into HTML and text with placeholders kept. */
export async function compileEmail(
  file: string,
  source: EmailSource,
  variables: readonly string[],
  dir: string = dirname(file),
): Promise<CompiledEmail> {
  const where = relative(process.cwd(), file) || file;
  await checkIncludes(file, dir);
  const mjml = await readFile(file, 'utf8');
  let result: Awaited<ReturnType<typeof mjml2html>>;
  try {
    result = await mjml2html(mjml, {
      validationLevel: 'strict',
      filePath: file,
      ignoreIncludes: false,
      includePath: dir,
      keepComments: false,
      // Whitespace runs become one space, as a mail client shows them anyway (<pre> is left
      // alone): a quarter off every email and off the bundles that carry them. CSS stays as
      // written; minifying it needs cssnano, which the build does not install.
      minify: true,
      minifyOptions: { minifyCss: false },
    });
  } catch (error) {
    const message =
      error instanceof Error ? error.message.replace(/^ValidationError:\s*/, '').trim() : `${error}`;
    throw new EmailBuildError(`${where}: MJML is invalid:\n  ${message.replaceAll('\n', '\n  ')}`);
  }
  if (result.errors.length > 0) {
    const lines = result.errors.map((e) => e.formattedMessage).join('\n  ');
    throw new EmailBuildError(`${where}: MJML is invalid:\n  ${lines}`);
  }
  if (!result.html.includes('<html lang="en"'))
    throw new EmailBuildError(`${where}: <mjml lang="en"> is required`);
  const tokens: Record<string, string> = {
    courseTitle: escapeHtml(course.title),
    subject: escapeHtml(source.subject),
    preheader: escapeHtml(source.preheader),
    preheaderSpacer,
  };
  const html = result.html.replace(buildToken, (whole, name: string) => {
    const value = tokens[name];
    if (value === undefined) throw new EmailBuildError(`${where}: unknown build token ${whole}`);
    return value;
  });
  checkPlaceholders(where, html, source.subject, variables);
  const htmlBytes = Buffer.byteLength(html, 'utf8');
  if (htmlBytes > maxHtmlBytes) {
    throw new EmailBuildError(
      `${where}: HTML is ${htmlBytes} bytes; mail clients clip above ${maxHtmlBytes}`,
    );
  }
  const text = convert(html, textOptions).trim();
  const sample = Object.fromEntries(
    variables.map((name) => [name, (sampleValues as Record<string, string>)[name] ?? '']),
  );
  return { ...source, html, text, variables: [...variables], sample, htmlBytes };
}

/** Compiles every email and checks the set of templates matches the course exactly. */
export async function buildEmails(options: BuildOptions = {}): Promise<CompiledEmail[]> {
  const dir = resolve(options.dir ?? defaultEmailsDir);
  const emails = options.emails ?? [course.confirmation, ...course.sequence];
  const catalog: Readonly<Record<string, readonly string[]>> = options.catalog ?? emailCatalog;
  const files = (await readdir(dir))
    .filter((f) => f.endsWith('.mjml'))
    .map((f) => f.slice(0, -'.mjml'.length));
  const ids = emails.map((e) => e.id);
  const missing = ids.filter((id) => !files.includes(id));
  const extra = files.filter((id) => !ids.includes(id));
  if (missing.length > 0)
    throw new EmailBuildError(`No template for ${missing.map((id) => `${id}.mjml`).join(', ')}`);
  if (extra.length > 0) {
    throw new EmailBuildError(`${extra.map((id) => `${id}.mjml`).join(', ')}: not an email id in course.ts`);
  }
  for (const id of ids) {
    const variables = catalog[id];
    if (!variables) throw new EmailBuildError(`emails/catalog.ts declares no variables for ${id}`);
    for (const name of variables) {
      if (!kindOf(name))
        throw new EmailBuildError(`${id}: variable ${name} has no kind in emails/catalog.ts`);
    }
  }
  // One at a time: mjml is CPU-bound, and errors then come out in a stable order.
  const compiled: CompiledEmail[] = [];
  for (const email of emails) {
    compiled.push(await compileEmail(join(dir, `${email.id}.mjml`), email, catalog[email.id] ?? [], dir));
  }
  return compiled;
}

/**
 * Source of the generated module: plain data, so the renderer needs no mjml at run time.
 * The confirmation and the sequence are separate constants, so a bundle keeps only the
 * emails its function renders.
 */
export function generatedModule(compiled: readonly CompiledEmail[]): string {
  const urlVariables = Object.entries(variableKinds)
    .filter(([, kind]) => kind === 'url')
    .map(([name]) => name as VariableName);
  const group = (emails: readonly CompiledEmail[]) => {
    const keys = emails.map((e) => JSON.stringify(e.id)).join(' | ') || 'never';
    const entries = emails.map((e) => {
      const data = {
        subject: e.subject,
        preheader: e.preheader,
        variables: e.variables,
        sample: e.sample,
        html: e.html,
        text: e.text,
      };
      return `  ${JSON.stringify(e.id)}: ${JSON.stringify(data, null, 2).replaceAll('\n', '\n  ')},\n`;
    });
    return `Readonly<Record<${keys}, CompiledEmail>> = {\n${entries.join('')}}`;
  };
  const isConfirmation = (e: CompiledEmail) => e.id === course.confirmation.id;
  return `// Generated by scripts/build-emails.ts from emails/*.mjml. Do not edit; run \`npm run build\`.
import type { EmailId } from '../course.js';

/** One email compiled at build time; \`{{name}}\` placeholders are filled at send time. */
export interface CompiledEmail {
  readonly subject: string;
  readonly preheader: string;
  readonly variables: readonly string[];
  readonly sample: Readonly<Record<string, string>>;
  readonly html: string;
  readonly text: string;
}

/** Variables whose values go into href attributes and must be http(s) URLs. */
export const urlVariables: readonly string[] = ${JSON.stringify(urlVariables)};

/** The confirmation email alone: all the sign-up API sends. */
export const confirmationEmails: ${group(compiled.filter(isConfirmation))};

/** The lessons and the closing email: all the sender sends. */
export const sequenceEmails: ${group(compiled.filter((e) => !isConfirmation(e)))};

/** Every email of the course. Pure, so bundles that do not use it leave it out. */
export const compiledEmails: Readonly<Record<EmailId, CompiledEmail>> = /* @__PURE__ */ Object.assign(
  {},
  confirmationEmails,
  sequenceEmails,
);
`;
}

/** Builds every email and writes the generated module. */
export async function writeEmails(options: BuildOptions & { out?: string } = {}): Promise<CompiledEmail[]> {
  const compiled = await buildEmails(options);
  const out = resolve(options.out ?? defaultOutFile);
  await mkdir(dirname(out), { recursive: true });
  // Write then rename, so a process importing the module meanwhile (a test run, a synth)
  // sees the old file or the new one, never half of one.
  const partial = `${out}.${process.pid}.tmp`;
  await writeFile(partial, generatedModule(compiled));
  await rename(partial, out);
  return compiled;
}

function argValue(argv: readonly string[], flag: string): string | undefined {
  const index = argv.indexOf(flag);
  return index >= 0 ? argv[index + 1] : undefined;
}

async function main(argv: readonly string[]): Promise<void> {
  const out = argValue(argv, '--out') ?? defaultOutFile;
  try {
    const started = performance.now();
    const compiled = await writeEmails({ dir: argValue(argv, '--dir'), out });
    const ms = Math.round(performance.now() - started);
    for (const e of compiled) {
      const kb = (e.htmlBytes / 1024).toFixed(1);
      console.log(`  ${e.id.padEnd(10)} ${kb.padStart(5)} KB html  ${e.text.length} chars text`);
    }
    console.log(`Built ${compiled.length} emails in ${ms} ms -> ${relative(process.cwd(), out)}`);
  } catch (error) {
    const message = error instanceof EmailBuildError ? error.message : (error as Error).stack;
    console.error(`Email build failed: ${message}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main(process.argv.slice(2));
}
