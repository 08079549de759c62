/**
 * Reads course folders: `emails/<course-id>/course.json` and the MJML files it names.
 * The JSON is checked with zod here, at build time, so a bad edit stops `npm run build`
 * with the file and the field; the Lambdas only ever see a course that passed.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { CourseDefinition } from '../functions/core/course.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Where course folders live; `emails/partials/` beside them holds the shared partials. */
export const coursesDir = join(root, 'emails');

/** The course used when neither `COURSE` nor course.config.json names one. */
export const defaultCourseId = 'knee-pain';

/** Course content that cannot be built. The message names the file and the problem. */
export class CourseContentError extends Error {
  override readonly name = 'CourseContentError';
}

/** "is required" for a missing field, `must be <what>` for a wrong one. */
const needs = (what: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`),
});
const text = z.string(needs('text')).trim().min(1, 'must not be empty');
/** Ids become file names, tags and record keys: lower case, digits and dashes. */
const slug = z
  .string(needs('text'))
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be lower-case letters, digits and single dashes, like lesson-1');
const file = z
  .string(needs('a file name'))
  .regex(/^[A-Za-z0-9._-]+\.mjml$/, 'must be the name of an .mjml file in the course folder');
const delayDays = z
  .number(needs('a number of days'))
  .int('must be a whole number of days')
  .min(0, 'must be 0 or more')
  .max(365, 'must be 365 or less');

const email = { id: slug, file, subject: text, preheader: text };

export const courseFileSchema = z.strictObject({
  $schema: z.string().optional(),
  id: slug,
  title: text,
  /** What the course is: the sign-up page's lead paragraph. */
  description: text,
  consent: z.strictObject({
    /** Bump whenever `text` changes: each consent record keeps the version the person saw. */
    version: text,
    text,
  }),
  confirmation: z.strictObject(email),
  lessons: z
    .array(z.strictObject({ ...email, delayDays, summary: text }), { error: 'must be a list of lessons' })
    .min(1, 'must hold at least one lesson'),
  closing: z.strictObject({ ...email, delayDays }),
});

export type CourseFile = z.infer<typeof courseFileSchema>;

/** One email of a loaded course, with the absolute path of its template. */
export interface CourseEmailSource {
  readonly id: string;
  readonly file: string;
  readonly subject: string;
  readonly preheader: string;
}

/** A validated course folder. */
export interface LoadedCourse {
  readonly dir: string;
  readonly definition: CourseDefinition;
  /** The confirmation, the lessons, the closing email, in order. */
  readonly emails: readonly CourseEmailSource[];
}

function where(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)),
    '',
  );
}

/** The folder of a course id, or a clear error naming the courses there are. */
export function courseDirFor(id: string, dir: string = coursesDir): string {
  const folder = join(dir, id);
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(id) || !existsSync(join(folder, 'course.json'))) {
    const known = listCourses(dir);
    throw new CourseContentError(
      `Unknown course "${id}": no ${relative(process.cwd(), join(folder, 'course.json'))}. Courses: ${known.join(', ') || 'none'}`,
    );
  }
  return folder;
}

/** Every course id under `dir` (folders holding a course.json), sorted. */
export function listCourses(dir: string = coursesDir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'course.json')))
    .map((d) => d.name)
    .sort();
}

/** Reads and validates `<folder>/course.json`. */
export function loadCourse(folder: string): LoadedCourse {
  const path = join(folder, 'course.json');
  const shown = relative(process.cwd(), path) || path;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new CourseContentError(`${shown}: ${(error as Error).message}`);
  }
  const parsed = courseFileSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${shown}: ${where(i.path) || '(file)'}: ${i.message}`);
    throw new CourseContentError(lines.join('\n'));
  }
  const c = parsed.data;
  const folderName = folder.split(/[\\/]/).filter(Boolean).at(-1);
  if (c.id !== folderName) {
    throw new CourseContentError(`${shown}: id: is "${c.id}" but the folder is "${folderName}"`);
  }
  const all = [c.confirmation, ...c.lessons, c.closing];
  const seenIds = new Set<string>();
  const seenFiles = new Set<string>();
  all.forEach((e, i) => {
    const field = i === 0 ? 'confirmation' : i === all.length - 1 ? 'closing' : `lessons[${i - 1}]`;
    if (seenIds.has(e.id)) throw new CourseContentError(`${shown}: ${field}.id: "${e.id}" is used twice`);
    if (seenFiles.has(e.file))
      throw new CourseContentError(`${shown}: ${field}.file: ${e.file} is referenced twice`);
    seenIds.add(e.id);
    seenFiles.add(e.file);
  });
  const definition: CourseDefinition = {
    id: c.id,
    title: c.title,
    description: c.description,
    consentTextVersion: c.consent.version,
    consentText: c.consent.text,
    confirmation: {
      id: c.confirmation.id,
      subject: c.confirmation.subject,
      preheader: c.confirmation.preheader,
    },
    sequence: [
      ...c.lessons.map(({ file: _file, ...lesson }) => lesson),
      {
        id: c.closing.id,
        subject: c.closing.subject,
        preheader: c.closing.preheader,
        delayDays: c.closing.delayDays,
      },
    ],
  };
  const emails = all.map((e) => ({
    id: e.id,
    file: join(folder, e.file),
    subject: e.subject,
    preheader: e.preheader,
  }));
  return { dir: folder, definition, emails };
}
