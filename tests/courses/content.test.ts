/**
 * Runs on every course (vitest.config.ts): the folder builds into exactly the emails
 * course.json lists, passes every check, and each email renders with the course's own
 * subject, title and disclaimer and the link its kind needs.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { course, emailIds, lessons } from '../../functions/core/course.js';
import { renderEmail, sampleVariables } from '../../functions/core/render.js';
import { buildCourse } from '../../scripts/build-emails.js';
import { checkCourse, formatProblem } from '../../scripts/course-check.js';
import { coursesDir, listCourses } from '../../scripts/courses.js';
import { currentCourseDir } from './current.js';

const entities = (s: string) => s.replaceAll('&', '&amp;').replaceAll("'", '&#39;').replaceAll('"', '&quot;');

describe(`the ${course.id} course`, () => {
  it('builds into exactly the emails course.json lists, in order', async () => {
    const built = await buildCourse({ dir: currentCourseDir() });
    expect(built.course).toEqual(course);
    expect(built.emails.map((e) => e.id)).toEqual([...emailIds]);
    expect(lessons.length).toBeGreaterThanOrEqual(1);
    expect(course.sequence.at(-1)?.summary).toBeUndefined();
  });

  it('passes every check', async () => {
    expect((await checkCourse(currentCourseDir())).map(formatProblem)).toEqual([]);
  });

  it.each(emailIds)('%s renders with its subject, the course title and the disclaimer', (id) => {
    const email = renderEmail(id, sampleVariables(id));
    const source = [course.confirmation, ...course.sequence].find((e) => e.id === id);
    expect(email.subject).toBe(source?.subject);
    expect(email.html).toContain(entities(course.title));
    expect(email.html).toContain(entities(course.disclaimer));
    expect(email.text.replace(/\s+/g, ' ')).toContain(course.disclaimer);
    const link = id === course.confirmation.id ? 'confirm' : 'unsubscribe';
    const other = link === 'confirm' ? 'unsubscribe' : 'confirm';
    expect(email.html).toContain(`/${link}?token=`);
    expect(email.html).not.toContain(`/${other}?token=`);
    expect(email.text.length).toBeGreaterThan(100);
  });
});

describe('every course in emails/', () => {
  it.each(listCourses())('%s passes every check, so npm test fails on bad content', async (id) => {
    expect((await checkCourse(join(coursesDir, id))).map(formatProblem)).toEqual([]);
  });
});
