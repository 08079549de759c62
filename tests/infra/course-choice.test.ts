/**
 * The course a stack deploys: the config's `course` (package.json's default when absent),
 * an unknown one refused with the list of courses, and each stack bundling its own course
 * into its functions whatever course local commands last chose.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AssetStaging } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../infra/config.js';
import { createCourseApp, defaultStackName } from '../../infra/course-app.js';
import { loadCourse } from '../../scripts/courses.js';
import { FULL_CONFIG, testConfig } from './synth.js';

const root = join(import.meta.dirname, '../..');
const defaultCourse = (
  JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { config: { defaultCourse: string } }
).config.defaultCourse;

describe('the course a stack runs', () => {
  it('is the config’s course, else the default course', () => {
    expect(testConfig().course).toBe(defaultCourse);
    expect(testConfig({ course: defaultCourse }).course).toBe(defaultCourse);
    expect(defaultStackName('back-pain')).toBe('BackPainCourse');
  });

  it('refuses a course that is not a folder of emails/, naming the ones there are', () => {
    expect(() => parseConfig({ ...FULL_CONFIG, course: 'no-such-course' }, 'course.config.json')).toThrow(
      new RegExp(
        `course\\.config\\.json: course: no course "no-such-course" in emails/ \\(courses: .*${defaultCourse}`,
      ),
    );
  });

  it('bundles its own course into its functions', () => {
    const fixture = loadCourse(join(root, 'tests/fixtures/courses/desk-breaks')).definition;
    const standard = loadCourse(join(root, 'emails', defaultCourse)).definition;
    // The fixture course is compiled by the tests' global setup; a config names a course in emails/.
    const { stack } = createCourseApp({ ...testConfig(), course: fixture.id });

    const bundles = stack.node
      .findAll()
      .filter((c): c is AssetStaging => c instanceof AssetStaging)
      .map((staging) => {
        try {
          return readFileSync(join(staging.absoluteStagedPath, 'index.mjs'), 'utf8');
        } catch {
          return '';
        }
      })
      .filter((code) => code !== '');
    expect(bundles.length).toBeGreaterThanOrEqual(4);
    const all = bundles.join('\n');
    const lastLesson = fixture.sequence.at(-2)?.subject as string;
    expect(all).toContain(lastLesson);
    expect(all).toContain(fixture.confirmation.subject);
    expect(all).not.toContain(standard.confirmation.subject);
    expect(all).not.toContain(standard.title);
  });
});
