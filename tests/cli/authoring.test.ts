/**
 * The owner's authoring tools: `new` writes a course that builds and passes the checks at
 * once; `check` (and the build) name the file and the reason for each kind of bad content.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildCourse, type CompiledEmail } from '../../scripts/build-emails.js';
import { runCheck, runNewCourse } from '../../scripts/course/authoring.js';
import { main } from '../../scripts/course/cli.js';
import { checkCourse, formatProblem, lintCourse } from '../../scripts/course-check.js';
import { loadCourse } from '../../scripts/courses.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../..');
const tsx = join(root, 'node_modules/.bin/tsx');
const FIXTURE = 'desk-breaks';

/** A courses folder of its own: the shared partials and a copy of the fixture course. */
let courses: string;
let dir: string;

beforeEach(async () => {
  courses = await mkdtemp(join(tmpdir(), 'courses-'));
  await symlink(join(root, 'emails/partials'), join(courses, 'partials'));
  dir = join(courses, FIXTURE);
  await cp(join(root, 'tests/fixtures/courses', FIXTURE), dir, { recursive: true });
});

afterEach(async () => {
  await rm(courses, { recursive: true, force: true });
});

async function edit(file: string, from: string | RegExp, to: string): Promise<void> {
  const source = await readFile(join(dir, file), 'utf8');
  const changed = source.replace(from, to);
  expect(changed).not.toBe(source);
  await writeFile(join(dir, file), changed);
}

const problems = async () => (await checkCourse(dir)).map(formatProblem);

function collect() {
  let text = '';
  return {
    write: (chunk: string) => {
      text += chunk;
      return true;
    },
    get text() {
      return text;
    },
  };
}

describe('npm run course -- new', () => {
  it('writes a course that builds and passes every check at once', async () => {
    const out = collect();
    const folder = await runNewCourse('back-pain', out, courses);

    expect(await checkCourse(folder)).toEqual([]);
    const built = await buildCourse({ dir: folder });
    expect(built.emails.map((e) => e.id)).toEqual([
      'confirm',
      'lesson-1',
      'lesson-2',
      'lesson-3',
      'complete',
    ]);
    expect(built.course.id).toBe('back-pain');
    expect(out.text).toContain('COURSE=back-pain npm start');
  });

  it('leaves an existing folder alone', async () => {
    const before = await readFile(join(dir, 'course.json'), 'utf8');
    await expect(runNewCourse(FIXTURE, collect(), courses)).rejects.toThrow(/exists already/);
    expect(await readFile(join(dir, 'course.json'), 'utf8')).toBe(before);
  });

  it('refuses an id that cannot be a folder name, as a usage error', async () => {
    const err = collect();
    const code = await main(['new', 'Back Pain!'], {
      out: collect(),
      err,
      context: () => Promise.reject(new Error('no stack needed')),
    });
    expect(code).toBe(2);
    expect(err.text).toMatch(/"Back Pain!" is not a course id/);
  });
});

describe('npm run course -- check', () => {
  it('passes the fixture course as it is', async () => {
    expect(await problems()).toEqual([]);
    const out = collect();
    await runCheck(FIXTURE, out, courses);
    expect(out.text).toBe(`${FIXTURE}: no problems\n`);
  });

  it('refuses a subject of 60 characters or more', async () => {
    await edit(
      'course.json',
      'Break 1: stand up every half hour',
      `Break 1: ${'a very long subject line '.repeat(3)}`,
    );
    expect(await problems()).toEqual([
      expect.stringMatching(/course\.json: lessons\[0\]\.subject: is \d+ characters; keep it under 60/),
    ]);
  });

  it('refuses an empty preheader', async () => {
    await edit('course.json', 'Twenty seconds at something far away.', ' ');
    expect(await problems()).toEqual([
      expect.stringMatching(/course\.json: lessons\[1\]\.preheader: must not be empty/),
    ]);
  });

  it('refuses a lesson without the footer partial, even with an unsubscribe link of its own', async () => {
    await edit(
      'look-away.mjml',
      '<mj-include path="../partials/footer.mjml" />',
      '<mj-section><mj-column><mj-text><a href="{{unsubscribeUrl}}">Unsubscribe</a></mj-text></mj-column></mj-section>',
    );
    expect(await problems()).toEqual([
      expect.stringMatching(
        /look-away\.mjml: does not include the footer partial .*unsubscribe link, postal address and disclaimer/,
      ),
    ]);
  });

  it('refuses an email without a plain-text part', async () => {
    const loaded = loadCourse(dir);
    const { emails } = await buildCourse({ dir });
    const textless = emails.map((e, i): CompiledEmail => (i === 2 ? { ...e, text: ' ' } : e));
    expect(lintCourse(loaded, textless).map(formatProblem)).toEqual([
      expect.stringMatching(/look-away\.mjml: has no plain-text part/),
    ]);
  });

  it('refuses HTML Gmail would clip', async () => {
    await edit(
      'look-away.mjml',
      '<p>Every twenty',
      `<p>${'Rest your eyes. '.repeat(7000)}</p><p>Every twenty`,
    );
    expect(await problems()).toEqual([
      expect.stringMatching(/look-away\.mjml: HTML is \d+ bytes; mail clients clip above/),
    ]);
  });

  it('refuses a variable that does not exist', async () => {
    await edit('stand-up.mjml', 'Hi {{firstName}},', 'Hi {{firstName}} {{surname}},');
    expect(await problems()).toEqual([
      expect.stringMatching(/stand-up\.mjml: uses \{\{surname\}\}, which is not a variable/),
    ]);
  });

  it('refuses a link that is not an absolute https URL', async () => {
    await edit(
      'stand-up.mjml',
      'fetch a glass of water',
      'fetch <a href="http://clinic.example/water">water</a>',
    );
    await edit('wrap-up.mjml', 'That is the whole course.', '<a href="/more">More</a>.');
    expect(await problems()).toEqual([
      expect.stringMatching(
        /stand-up\.mjml: link "http:\/\/clinic\.example\/water" is not an absolute https:\/\/ URL/,
      ),
      expect.stringMatching(/wrap-up\.mjml: link "\/more" is not an absolute https:\/\/ URL/),
    ]);
  });

  it('refuses a file named twice, a file not named, and a named file that is missing', async () => {
    await edit('course.json', '"file": "look-away.mjml"', '"file": "stand-up.mjml"');
    expect(await problems()).toEqual([
      expect.stringMatching(/course\.json: lessons\[1\]\.file: stand-up\.mjml is referenced twice/),
    ]);

    await edit(
      'course.json',
      '"file": "stand-up.mjml",\n      "subject": "Break 2',
      '"file": "look-away.mjml",\n      "subject": "Break 2',
    );
    await writeFile(join(dir, 'draft.mjml'), '<mjml lang="en"><mj-body></mj-body></mjml>');
    await rm(join(dir, 'wrap-up.mjml'));
    expect(await problems()).toEqual([
      expect.stringMatching(/course\.json: no template wrap-up\.mjml/),
      expect.stringMatching(/draft\.mjml: not named in .*course\.json/),
    ]);
  });

  it('fails with every problem listed, and the build fails on them too, naming file and reason', async () => {
    await edit(
      'look-away.mjml',
      'Every twenty minutes',
      '<a href="http://clinic.example/eyes">Every twenty minutes</a>',
    );
    const out = collect();
    await expect(runCheck(FIXTURE, out, courses)).rejects.toThrow(/1 problem to fix/);
    expect(out.text).toMatch(/look-away\.mjml: link "http:\/\/clinic\.example\/eyes"/);

    const build = await run(
      tsx,
      ['scripts/build-emails.ts', '--dir', dir, '--out', join(courses, 'out.ts')],
      {
        cwd: root,
      },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(build.code).not.toBe(0);
    expect(build.stderr).toMatch(
      /Email build failed: .*look-away\.mjml: link "http:\/\/clinic\.example\/eyes" is not an absolute https/,
    );
  });

  it('names the courses there are for an unknown one', async () => {
    await expect(runCheck('no-such-course', collect(), courses)).rejects.toThrow(
      /Unknown course "no-such-course".*desk-breaks/,
    );
  });
});
