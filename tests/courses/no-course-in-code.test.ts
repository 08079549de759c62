/**
 * The engine knows no course: nothing under functions/, infra/ or scripts/ names a
 * course's title, subjects, copy or topic. Courses live in their folders (emails/<id>/).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listCourses, loadCourse } from '../../scripts/courses.js';

const root = join(import.meta.dirname, '../..');
const fixtures = join(root, 'tests/fixtures/courses');

function codeFiles(): string[] {
  return ['functions', 'infra', 'scripts'].flatMap((top) =>
    readdirSync(join(root, top), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && !f.startsWith('core/generated'))
      .map((f) => join(top, f)),
  );
}

/** Every phrase of every course that code must not carry. */
function coursePhrases(): string[] {
  const dirs = [
    ...listCourses().map((id) => join(root, 'emails', id)),
    ...listCourses(fixtures).map((id) => join(fixtures, id)),
  ];
  return dirs.flatMap((dir) => {
    const c = loadCourse(dir).definition;
    return [
      c.title,
      c.name,
      c.description,
      c.consentText,
      c.disclaimer,
      c.confirmation.subject,
      c.confirmation.preheader,
      ...c.sequence.flatMap((e) => [e.subject, e.preheader, ...(e.summary ? [e.summary] : [])]),
    ];
  });
}

describe('the engine', () => {
  it('checks the phrases of every course, the fixture course included', () => {
    expect(listCourses().length).toBeGreaterThanOrEqual(1);
    expect(listCourses(fixtures).length).toBeGreaterThanOrEqual(1);
    const phrases = coursePhrases();
    for (const dir of [...listCourses().map((id) => join(root, 'emails', id))]) {
      expect(phrases).toContain(loadCourse(dir).definition.title);
    }
    expect(codeFiles()).toContain(join('functions', 'core', 'drip.ts'));
  });

  it('never says "knee" in functions/, infra/ or scripts/', () => {
    const found: string[] = [];
    for (const file of codeFiles()) {
      readFileSync(join(root, file), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/knee/i.test(line)) found.push(`${file}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(found).toEqual([]);
  });

  it('carries no title, subject, preheader or page copy of any course', () => {
    const phrases = coursePhrases();
    const found: string[] = [];
    for (const file of codeFiles()) {
      const source = readFileSync(join(root, file), 'utf8');
      for (const phrase of phrases) if (source.includes(phrase)) found.push(`${file}: "${phrase}"`);
    }
    expect(found).toEqual([]);
  });
});
