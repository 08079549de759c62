/**
 * COURSE picks the course for the build and the CLI; an unknown one stops them with the
 * list of courses there are, and changes nothing (the chosen course stays as it was).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { selectedCourseFile, selectedCourseId } from '../../scripts/courses.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../..');
const tsx = join(root, 'node_modules/.bin/tsx');

async function attempt(args: readonly string[], env: Record<string, string>) {
  return run(tsx, [...args], { cwd: root, env: { ...process.env, ...env } }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
}

describe('COURSE', () => {
  it('wins over the config file, which wins over the default', () => {
    expect(selectedCourseId({ COURSE: 'back-pain' })).toBe('back-pain');
    expect(selectedCourseId({ COURSE_CONFIG: join(root, 'no-such-config.json') })).toBe(
      (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { config: { defaultCourse: string } })
        .config.defaultCourse,
    );
  });

  it('stops the CLI on an unknown course, naming the courses there are, before anything runs', async () => {
    const before = readFileSync(selectedCourseFile, 'utf8');
    const result = await attempt(['scripts/course.ts', 'send-test', 'lesson-1', 'me@clinic.example'], {
      COURSE: 'no-such-course',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /Unknown course "no-such-course": no emails\/no-such-course\/course\.json\. Courses: /,
    );
    expect(readFileSync(selectedCourseFile, 'utf8')).toBe(before);
  });

  it('stops the build on an unknown course', async () => {
    const before = readFileSync(selectedCourseFile, 'utf8');
    const result = await attempt(['scripts/build-emails.ts'], { COURSE: 'no-such-course' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Email build failed: Unknown course "no-such-course"/);
    expect(readFileSync(selectedCourseFile, 'utf8')).toBe(before);
  });
});
