/**
 * The checks a course must pass beyond building: short subjects, preheaders, the footer
 * partial in every sequence email, a plain-text part, size, https links, every file named
 * once. `npm run build` fails on any; `npm run course -- check` lists them all.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type CompiledEmail, compileEmail, EmailBuildError, maxHtmlBytes } from './build-emails.js';
import { CourseContentError, type LoadedCourse, loadCourse } from './courses.js';

/** Subjects this long or longer are cut on phones and in most inbox lists. */
export const maxSubjectLength = 60;

/** The shared footer: why the reader gets the email, unsubscribe link, postal address, disclaimer. */
export const footerPartial = '../partials/footer.mjml';

/** One problem, in the file to fix. */
export interface CourseProblem {
  readonly file: string;
  readonly message: string;
}

export function formatProblem(p: CourseProblem): string {
  return `${p.file}: ${p.message}`;
}

const shown = (path: string) => relative(process.cwd(), path) || path;

/** Where course.json keeps the email at this place of the course's emails. */
function fieldOf(index: number, count: number): string {
  if (index === 0) return 'confirmation';
  return index === count - 1 ? 'closing' : `lessons[${index - 1}]`;
}

/** The rules on a loaded course and its compiled emails (same order). */
export function lintCourse(loaded: LoadedCourse, compiled: readonly CompiledEmail[]): CourseProblem[] {
  const json = shown(join(loaded.dir, 'course.json'));
  const problems: CourseProblem[] = [];
  loaded.emails.forEach((source, i) => {
    const field = fieldOf(i, loaded.emails.length);
    const file = shown(source.file);
    if ([...source.subject].length >= maxSubjectLength) {
      problems.push({
        file: json,
        message: `${field}.subject: is ${[...source.subject].length} characters; keep it under ${maxSubjectLength}, as phones cut longer ones`,
      });
    }
    if (source.preheader.trim() === '')
      problems.push({ file: json, message: `${field}.preheader: is empty` });
    if (i > 0) {
      const template = readFileSync(source.file, 'utf8');
      const includes = [...template.matchAll(/<mj-include\s+[^>]*path="([^"]+)"/g)].map((m) => m[1]);
      if (!includes.includes(footerPartial)) {
        problems.push({
          file,
          message: `does not include the footer partial (<mj-include path="${footerPartial}" />): the unsubscribe link, postal address and disclaimer`,
        });
      }
    }
    const email = compiled[i];
    if (!email) return;
    if (email.text.trim() === '') problems.push({ file, message: 'has no plain-text part' });
    if (email.htmlBytes >= maxHtmlBytes) {
      problems.push({
        file,
        message: `HTML is ${email.htmlBytes} bytes; Gmail clips from ${maxHtmlBytes}, hiding the unsubscribe link`,
      });
    }
    for (const match of email.html.matchAll(/\bhref\s*=\s*"([^"]*)"/gi)) {
      const href = match[1] as string;
      if (/^\{\{[A-Za-z][A-Za-z0-9]*\}\}$/.test(href)) continue;
      if (!/^https:\/\/[^\s/]+\.[^\s]+$/i.test(href)) {
        problems.push({ file, message: `link "${href}" is not an absolute https:// URL` });
      }
    }
  });
  return problems;
}

/** A course.json error ("file: field: reason", one per line) as problems. */
function contentProblems(error: CourseContentError): CourseProblem[] {
  return error.message.split('\n').map((line) => {
    const at = line.indexOf(': ');
    return at < 0 ? { file: '', message: line } : { file: line.slice(0, at), message: line.slice(at + 2) };
  });
}

/** Every problem of a course folder, checking as far as it can get; [] when it is fine. */
export async function checkCourse(dir: string): Promise<CourseProblem[]> {
  let loaded: LoadedCourse;
  try {
    loaded = loadCourse(dir);
  } catch (error) {
    if (error instanceof CourseContentError) return contentProblems(error);
    throw error;
  }
  const json = shown(join(dir, 'course.json'));
  const named = loaded.emails.map((e) => relative(dir, e.file));
  const files = readdirSync(dir).filter((f) => f.endsWith('.mjml'));
  const problems: CourseProblem[] = [
    ...named.filter((f) => !files.includes(f)).map((f) => ({ file: json, message: `no template ${f}` })),
    ...files
      .filter((f) => !named.includes(f))
      .map((f) => ({
        file: shown(join(dir, f)),
        message: `not named in ${json}; add it there or delete it`,
      })),
  ];
  if (problems.length > 0) return problems;
  const compiled: CompiledEmail[] = [];
  for (const [i, email] of loaded.emails.entries()) {
    const { file, ...source } = email;
    try {
      compiled.push(
        await compileEmail(file, source, i === 0 ? 'confirmation' : 'sequence', loaded.definition),
      );
    } catch (error) {
      if (!(error instanceof EmailBuildError)) throw error;
      const at = error.message.indexOf(': ');
      problems.push({ file: shown(file), message: at < 0 ? error.message : error.message.slice(at + 2) });
    }
  }
  if (problems.length > 0) return problems;
  return lintCourse(loaded, compiled);
}
