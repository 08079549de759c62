/**
 * Compiles a course once, at build time: `course.json` checked, MJML -> HTML (strict
 * validation), HTML -> plain text, and writes `functions/core/generated/emails.ts` for the
 * renderer. The `{{name}}` placeholders survive compilation and are filled at send time,
 * so neither mjml nor html-to-text ever ships in a Lambda.
 *
 * Usage: `npm run build` (or `tsx scripts/build-emails.ts [--dir emails/<id>] [--out file]`).
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { convert, type HtmlToTextOptions } from 'html-to-text';
import mjml2html from 'mjml';
import { sampleValues, type VariableName, variableKinds } from '../emails/catalog.js';
import type { CourseDefinition } from '../functions/core/course.js';
import { CourseContentError, courseDirFor, defaultCourseId, loadCourse } from './courses.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Default locations, relative to the repository root. */
export const defaultEmailsDir = join(root, 'emails', defaultCourseId);
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

/** What course.json says about one email. */
export interface EmailSource {
  readonly id: string;
  readonly subject: string;
  readonly preheader: string;
}

export interface CompiledEmail extends EmailSource {
  readonly html: string;
  readonly text: string;
  /** The variables the template uses, in emails/catalog.ts order. */
  readonly variables: readonly string[];
  readonly sample: Readonly<Record<string, string>>;
  readonly htmlBytes: number;
}

export interface BuildOptions {
  /** The course folder, holding `course.json` and its `.mjml` files. @default emails/knee-pain */
  readonly dir?: string;
}

/** A course's definition and its compiled emails (confirmation, lessons, closing email). */
export interface BuiltCourse {
  readonly course: CourseDefinition;
  readonly emails: readonly CompiledEmail[];
}

/** What an email is for decides the link variables it must and must not use. */
export type EmailRole = 'confirmation' | 'sequence';

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

/** The link each role must carry, and the one it may not: confirm vs unsubscribe. */
const roleLinks: Record<EmailRole, { must: VariableName; not: VariableName }> = {
  confirmation: { must: 'confirmUrl', not: 'unsubscribeUrl' },
  sequence: { must: 'unsubscribeUrl', not: 'confirmUrl' },
};

/**
 * Placeholders must be well formed and known, URLs only where URLs belong, and each role's
 * link present. Returns the variables used, in emails/catalog.ts order.
 */
function checkPlaceholders(where: string, html: string, subject: string, role: EmailRole): string[] {
  const stray = html.replace(placeholder, '').match(/\{\{[^}]{0,40}\}?\}?|\}\}/);
  if (stray) throw new EmailBuildError(`${where}: malformed placeholder "${stray[0]}"`);
  const used = namesIn(html);
  for (const name of namesIn(subject)) used.add(name);
  const known = Object.keys(variableKinds);
  for (const name of used) {
    if (!known.includes(name)) {
      throw new EmailBuildError(
        `${where}: uses {{${name}}}, which is not a variable (known: ${known.join(', ')})`,
      );
    }
  }
  const links = roleLinks[role];
  if (!used.has(links.must)) throw new EmailBuildError(`${where}: must use {{${links.must}}}`);
  if (used.has(links.not)) throw new EmailBuildError(`${where}: may not use {{${links.not}}}`);
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
  return known.filter((name) => used.has(name));
}

function kindOf(name: string): 'url' | 'text' | undefined {
  return (variableKinds as Record<string, 'url' | 'text'>)[name];
}

/** Compiles one template (strict MJML validation) into HTML and text with placeholders kept. */
export async function compileEmail(
  file: string,
  source: EmailSource,
  role: EmailRole,
  courseTitle: string,
  dir: string = dirname(dirname(file)),
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
    courseTitle: escapeHtml(courseTitle),
    subject: escapeHtml(source.subject),
    preheader: escapeHtml(source.preheader),
    preheaderSpacer,
  };
  const html = result.html.replace(buildToken, (whole, name: string) => {
    const value = tokens[name];
    if (value === undefined) throw new EmailBuildError(`${where}: unknown build token ${whole}`);
    return value;
  });
  const variables = checkPlaceholders(where, html, source.subject, role);
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

/**
 * Checks a course folder and compiles every email in it: each `.mjml` file there must be
 * named by course.json exactly once, and each name must be a file.
 */
export async function buildCourse(options: BuildOptions = {}): Promise<BuiltCourse> {
  const dir = resolve(options.dir ?? defaultEmailsDir);
  let loaded: ReturnType<typeof loadCourse>;
  try {
    loaded = loadCourse(dir);
  } catch (error) {
    if (error instanceof CourseContentError) throw new EmailBuildError(error.message);
    throw error;
  }
  const shown = relative(process.cwd(), join(dir, 'course.json'));
  const named = loaded.emails.map((e) => relative(dir, e.file));
  const files = (await readdir(dir)).filter((f) => f.endsWith('.mjml'));
  const missing = named.filter((f) => !files.includes(f));
  const extra = files.filter((f) => !named.includes(f));
  if (missing.length > 0) throw new EmailBuildError(`${shown}: no template ${missing.join(', ')}`);
  if (extra.length > 0)
    throw new EmailBuildError(`${extra.join(', ')}: not named in ${shown}; add it there or delete it`);
  // One at a time: mjml is CPU-bound, and errors then come out in a stable order.
  const compiled: CompiledEmail[] = [];
  for (const [i, email] of loaded.emails.entries()) {
    const { file, ...source } = email;
    const role: EmailRole = i === 0 ? 'confirmation' : 'sequence';
    compiled.push(await compileEmail(file, source, role, loaded.definition.title, dirname(dir)));
  }
  return { course: loaded.definition, emails: compiled };
}

/** Compiles every email of a course folder (see {@link buildCourse}). */
export async function buildEmails(options: BuildOptions = {}): Promise<CompiledEmail[]> {
  return [...(await buildCourse(options)).emails];
}

/**
 * Source of the generated module: plain data, so the renderer needs no mjml at run time.
 * The confirmation and the sequence are separate constants, so a bundle keeps only the
 * emails its function renders.
 */
export function generatedModule(built: BuiltCourse): string {
  const { course, emails: compiled } = built;
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
  return `// Generated by scripts/build-emails.ts from emails/${course.id}/. Do not edit; run \`npm run build\`.
import type { CourseDefinition, EmailId } from '../course.js';

/** The course as its course.json defines it. */
export const course: CourseDefinition = ${JSON.stringify(course, null, 2)};

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
  const built = await buildCourse(options);
  const out = resolve(options.out ?? defaultOutFile);
  await mkdir(dirname(out), { recursive: true });
  // Write then rename, so a process importing the module meanwhile (a test run, a synth)
  // sees the old file or the new one, never half of one.
  const partial = `${out}.${process.pid}.tmp`;
  await writeFile(partial, generatedModule(built));
  await rename(partial, out);
  return [...built.emails];
}

function argValue(argv: readonly string[], flag: string): string | undefined {
  const index = argv.indexOf(flag);
  return index >= 0 ? argv[index + 1] : undefined;
}

async function main(argv: readonly string[]): Promise<void> {
  const out = argValue(argv, '--out') ?? defaultOutFile;
  try {
    const started = performance.now();
    const dir = argValue(argv, '--dir') ?? courseDirFor(process.env.COURSE || defaultCourseId);
    const compiled = await writeEmails({ dir, out });
    const ms = Math.round(performance.now() - started);
    for (const e of compiled) {
      const kb = (e.htmlBytes / 1024).toFixed(1);
      console.log(`  ${e.id.padEnd(10)} ${kb.padStart(5)} KB html  ${e.text.length} chars text`);
    }
    console.log(`Built ${compiled.length} emails in ${ms} ms -> ${relative(process.cwd(), out)}`);
  } catch (error) {
    const message =
      error instanceof EmailBuildError || error instanceof CourseContentError
        ? error.message
        : (error as Error).stack;
    console.error(`Email build failed: ${message}`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main(process.argv.slice(2));
}
