/**
 * Compiles a course once, at build time: `course.json` checked, MJML -> HTML (strict
 * validation), HTML -> plain text, and writes `functions/core/generated/emails.ts` for the
 * renderer. The `{{name}}` placeholders survive compilation and are filled at send time,
 * so neither mjml nor html-to-text ever ships in a Lambda.
 *
 * Usage: `npm run build` (or `tsx scripts/build-emails.ts [--dir emails/<id>] [--out file]`).
 */
import { existsSync, realpathSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { convert, type HtmlToTextOptions } from 'html-to-text';
import mjml2html from 'mjml';
import { optionalVariables, sampleValues, type VariableName, variableKinds } from '../emails/catalog.js';
import type { CourseDefinition } from '../functions/core/course.js';
import { DEFAULT_ACCENT_COLOR } from '../functions/core/settings.js';
import { formatProblem, lintCourse } from './course-check.js';
import {
  CourseContentError,
  courseDirFor,
  courseModuleFile,
  coursesDir,
  defaultCourseId,
  listCourses,
  loadCourse,
  selectedCourseId,
  useCourse,
} from './courses.js';
import {
  checkImages,
  embedImages,
  type LessonImage,
  LessonImageError,
  lessonImageSrc,
  scaleLessonImages,
} from './lesson-images.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Partials every course may include, as `../partials/<name>.mjml`. */
export const sharedPartialsDir = join(coursesDir, 'partials');

/** The default course's folder. */
export const defaultEmailsDir = join(root, 'emails', defaultCourseId);

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
  /** Its pictures as PNGs (scripts/lesson-images.ts); the stack serves them. */
  readonly images: readonly LessonImage[];
}

export interface BuildOptions {
  /** The course folder, holding `course.json` and its `.mjml` files. @default the default course's */
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
/** A section marker: `{{#name}}` opens, `{{/name}}` closes. */
const section = /\{\{([#/])([A-Za-z][A-Za-z0-9]*)\}\}/g;

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
    // mjml would silently leave out a file outside its include folders (see compileEmail).
    const real = realpathSync(target);
    const inside = [dir, sharedPartialsDir].some((root) => {
      const rel = relative(realpathSync(root), real);
      return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
    });
    if (!inside) {
      throw new EmailBuildError(
        `${relative(dir, file)}: mj-include "${match[1]}" is outside the course folders and emails/partials`,
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
  const guards = checkSections(where, html);
  const stray = html
    .replace(placeholder, '')
    .replace(section, '')
    .match(/\{\{[^}]{0,40}\}?\}?|\}\}/);
  if (stray) throw new EmailBuildError(`${where}: malformed placeholder "${stray[0]}"`);
  const used = namesIn(html);
  for (const name of guards) used.add(name);
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
  checkAttributes(where, html);
  return known.filter((name) => used.has(name));
}

/** Which kind of variable each attribute may hold, and whether it must be exactly one. */
const attributeKinds: Record<string, { kinds: readonly VariableKind[]; whole: boolean }> = {
  // A text value inside href could become a javascript: link; a URL value fills it whole.
  href: { kinds: ['url'], whole: true },
  src: { kinds: ['url'], whole: true },
  width: { kinds: ['pixels'], whole: true },
  height: { kinds: ['pixels'], whole: true },
  // Only a checked #rrggbb may reach a style: anything else could restyle or hide the email.
  style: { kinds: ['color'], whole: false },
  bgcolor: { kinds: ['color'], whole: true },
  alt: { kinds: ['text'], whole: false },
  title: { kinds: ['text'], whole: false },
};

function checkAttributes(where: string, html: string): void {
  for (const match of html.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/gi)) {
    for (const name of namesIn(match[1] as string)) {
      if (kindOf(name) !== 'color') {
        throw new EmailBuildError(
          `${where}: {{${name}}} in a <style> element: only colour variables may go there`,
        );
      }
    }
  }
  for (const match of html.matchAll(/\s([A-Za-z][\w:-]*)\s*=\s*"([^"]*)"/g)) {
    const [, rawName, value] = match as unknown as [string, string, string];
    if (!value.includes('{{')) continue;
    const name = rawName.toLowerCase();
    // A lesson picture: the checked assets URL, then a name the build made.
    if (name === 'src' && lessonImageSrc.test(value)) continue;
    const rule = attributeKinds[name];
    const names = [...value.matchAll(placeholder)].map((m) => m[1] as string);
    const whole = names.length === 1 && value === `{{${names[0]}}}`;
    const allowed = rule && names.every((n) => rule.kinds.includes(kindOf(n) as VariableKind));
    if (!rule || !allowed || (rule.whole && !whole) || value.match(section)) {
      const kinds = rule ? rule.kinds.map((k) => kindLabels[k]).join(' or ') : '';
      const what = !rule
        ? 'may hold no variable'
        : rule.whole
          ? `must be exactly one ${kinds} variable`
          : `may hold only ${kinds} variables`;
      throw new EmailBuildError(`${where}: ${name}="${value}" ${what}`);
    }
  }
}

const kindLabels: Record<VariableKind, string> = {
  url: 'URL',
  text: 'text',
  color: 'colour',
  pixels: 'pixel',
};

/**
 * Sections `{{#name}}...{{/name}}` wrap what shows only when an optional variable is set:
 * flat, closed, in element content (never in a tag), and only around optional variables;
 * optional variables appear nowhere else. Returns the guard names.
 */
function checkSections(where: string, html: string): Set<string> {
  const guards = new Set<string>();
  let open: string | undefined;
  for (const match of html.matchAll(section)) {
    const [marker, sign, name] = match as unknown as [string, string, string];
    if (!optionalVariables.includes(name as VariableName)) {
      throw new EmailBuildError(
        `${where}: ${marker}: only an optional variable (${optionalVariables.join(', ')}) may open a section`,
      );
    }
    if (sign === '#') {
      if (open) throw new EmailBuildError(`${where}: ${marker} inside {{#${open}}}: sections do not nest`);
      open = name;
      guards.add(name);
    } else if (open !== name) {
      throw new EmailBuildError(`${where}: ${marker} closes no open {{#${name}}}`);
    } else open = undefined;
  }
  if (open) throw new EmailBuildError(`${where}: {{#${open}}} is never closed`);
  if (/<[^>]*\{\{[#/]/.test(html)) throw new EmailBuildError(`${where}: a section marker sits inside a tag`);
  const outside = html.replace(/\{\{#(\w+)\}\}[\s\S]*?\{\{\/\1\}\}/g, '');
  for (const name of namesIn(outside)) {
    if (optionalVariables.includes(name as VariableName)) {
      throw new EmailBuildError(
        `${where}: {{${name}}} is optional: use it inside {{#${name}}}...{{/${name}}}`,
      );
    }
  }
  return guards;
}

/** Sections with nothing in the text part (an image) are left out of it, with their line. */
function withoutEmptySections(text: string): string {
  return text.replace(/^\{\{#(\w+)\}\}\{\{\/\1\}\}\n*/gm, '').replace(/\{\{#(\w+)\}\}\{\{\/\1\}\}/g, '');
}

type VariableKind = (typeof variableKinds)[VariableName];

function kindOf(name: string): VariableKind | undefined {
  return (variableKinds as Record<string, VariableKind>)[name];
}

/** Compiles one template (strict MJML validation) into HTML and text with placeholders kept. */
export async function compileEmail(
  file: string,
  source: EmailSource,
  role: EmailRole,
  course: Pick<CourseDefinition, 'title' | 'name' | 'disclaimer'>,
  dir: string = dirname(dirname(file)),
): Promise<CompiledEmail> {
  const where = relative(process.cwd(), file) || file;
  await checkIncludes(file, dir);
  let mjml: string;
  let images: LessonImage[];
  try {
    ({ mjml, images } = embedImages(await readFile(file, 'utf8'), where, dirname(file)));
  } catch (error) {
    if (error instanceof LessonImageError) throw new EmailBuildError(error.message);
    throw error;
  }
  // The confirmation is rendered by the API, which fills no assets URL.
  if (role === 'confirmation' && images.length > 0)
    throw new EmailBuildError(`${where}: pictures go in the lessons, not in the confirmation email`);
  let result: Awaited<ReturnType<typeof mjml2html>>;
  try {
    result = await mjml2html(mjml, {
      validationLevel: 'strict',
      filePath: file,
      ignoreIncludes: false,
      // mjml refuses includes outside these folders (after resolving links): the course's
      // folder and the shared partials, wherever the course lives.
      includePath: [dir, sharedPartialsDir],
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
    courseName: escapeHtml(course.name),
    disclaimer: escapeHtml(course.disclaimer),
    subject: escapeHtml(source.subject),
    preheader: escapeHtml(source.preheader),
    preheaderSpacer,
  };
  const html = scaleLessonImages(result.html)
    .replace(buildToken, (whole, name: string) => {
      const value = tokens[name];
      if (value === undefined) throw new EmailBuildError(`${where}: unknown build token ${whole}`);
      return value;
    })
    // The templates are written in the default accent (mjml validates colours); each use
    // becomes the clinic's own, filled at send time.
    .replaceAll(DEFAULT_ACCENT_COLOR, '{{accentColor}}');
  const variables = checkPlaceholders(where, html, source.subject, role);
  try {
    checkImages(where, html);
  } catch (error) {
    if (error instanceof LessonImageError) throw new EmailBuildError(error.message);
    throw error;
  }
  const htmlBytes = Buffer.byteLength(html, 'utf8');
  if (htmlBytes > maxHtmlBytes) {
    throw new EmailBuildError(
      `${where}: HTML is ${htmlBytes} bytes; mail clients clip above ${maxHtmlBytes}`,
    );
  }
  const text = withoutEmptySections(convert(html, textOptions).trim());
  const sample = Object.fromEntries(
    variables.map((name) => [name, (sampleValues as Record<string, string>)[name] ?? '']),
  );
  return { ...source, html, text, variables: [...variables], sample, htmlBytes, images };
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
    compiled.push(await compileEmail(file, source, role, loaded.definition, dirname(dir)));
  }
  const problems = lintCourse(loaded, compiled);
  if (problems.length > 0) throw new EmailBuildError(problems.map(formatProblem).join('\n'));
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
export function generatedModule(built: BuiltCourse, courseModule = '../../course.js'): string {
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
import type { CourseDefinition, EmailId } from '${courseModule}';

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

/** What the renderer checks beyond URLs: \`#rrggbb\` colours, pixel sizes, and the variables that may be '' (their sections are dropped). */
export const variableRules = ${JSON.stringify(variableRules())};

/** The confirmation email alone: all the sign-up API sends. */
export const confirmationEmails: ${group(compiled.filter(isConfirmation))};

/** The lessons and the closing email: all the sender sends. */
export const sequenceEmails: ${group(compiled.filter((e) => !isConfirmation(e)))};

/** The lessons' pictures, \`<hash>.png\` to base64 PNG: only the API serves them. */
export const lessonImages: Readonly<Record<string, string>> = ${JSON.stringify(
    Object.fromEntries(compiled.flatMap((e) => e.images.map((i) => [i.file, i.png.toString('base64')]))),
    null,
    2,
  )};

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
  const out = resolve(options.out ?? courseModuleFile(built.course.id));
  const courseModule = relative(dirname(out), join(root, 'functions/core/course.js')).replaceAll('\\', '/');
  await mkdir(dirname(out), { recursive: true });
  // Write then rename, so a process importing the module meanwhile (a test run, a synth)
  // sees the old file or the new one, never half of one.
  const partial = `${out}.${process.pid}.tmp`;
  await writeFile(
    partial,
    generatedModule(built, courseModule.startsWith('.') ? courseModule : `./${courseModule}`),
  );
  await rename(partial, out);
  return [...built.emails];
}

/** The variables of each checked kind, for the generated module. */
export function variableRules(): { color: string[]; pixels: string[]; optional: string[] } {
  const ofKind = (kind: string) =>
    Object.entries(variableKinds)
      .filter(([, k]) => k === kind)
      .map(([name]) => name);
  return { color: ofKind('color'), pixels: ofKind('pixels'), optional: [...optionalVariables] };
}

function argValue(argv: readonly string[], flag: string): string | undefined {
  const index = argv.indexOf(flag);
  return index >= 0 ? argv[index + 1] : undefined;
}

function report(id: string, compiled: readonly CompiledEmail[], ms: number, out: string): void {
  for (const e of compiled) {
    const kb = (e.htmlBytes / 1024).toFixed(1);
    console.log(`  ${e.id.padEnd(10)} ${kb.padStart(5)} KB html  ${e.text.length} chars text`);
  }
  console.log(`Built ${id}: ${compiled.length} emails in ${ms} ms -> ${relative(process.cwd(), out)}`);
}

/**
 * With `--dir`, builds that one course folder (to `--out`). Without, builds every course
 * in emails/ (so a broken one fails the build even when another is chosen), then points
 * `#course` at the chosen one: COURSE, else `course` in course.config.json.
 */
async function main(argv: readonly string[]): Promise<void> {
  try {
    const single = argValue(argv, '--dir');
    const ids = single ? [] : listCourses(coursesDir);
    const chosen = single ? undefined : selectedCourseId();
    if (chosen) courseDirFor(chosen);
    for (const dir of single ? [single] : ids.map((id) => join(coursesDir, id))) {
      const started = performance.now();
      const out = argValue(argv, '--out');
      const compiled = await writeEmails({ dir, ...(out ? { out } : {}) });
      const id = basename(resolve(dir));
      report(id, compiled, Math.round(performance.now() - started), out ?? courseModuleFile(id));
    }
    if (chosen) {
      useCourse(chosen);
      console.log(`Course for local commands: ${chosen}`);
    }
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
