import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { build as esbuild } from 'esbuild';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emailIds } from '../../functions/core/course.js';
import { buildEmails, EmailBuildError, maxHtmlBytes } from '../../scripts/build-emails.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '../..');
const tsx = join(root, 'node_modules/.bin/tsx');

/** A copy of emails/ (the shared partials and the course folders). */
let copy: string;
/** The knee pain course folder inside the copy. */
let dir: string;

beforeEach(async () => {
  copy = await mkdtemp(join(tmpdir(), 'emails-'));
  await cp(join(root, 'emails'), copy, { recursive: true });
  dir = join(copy, 'knee-pain');
});

afterEach(async () => {
  await rm(copy, { recursive: true, force: true });
});

async function edit(file: string, from: string | RegExp, to: string): Promise<void> {
  const path = join(dir, file);
  const source = await readFile(path, 'utf8');
  const changed = source.replace(from, to);
  expect(changed).not.toBe(source);
  await writeFile(path, changed);
}

describe('email build', () => {
  it('compiles every email in the course with strict validation and no MJML errors', async () => {
    const compiled = await buildEmails();

    expect(compiled.map((e) => e.id)).toEqual([...emailIds]);
    for (const email of compiled) {
      expect(email.html).toMatch(/^<!doctype html>/i);
      expect(email.htmlBytes).toBeLessThan(maxHtmlBytes);
      expect(email.text.length).toBeGreaterThan(200);
    }
  });

  it('fails on invalid MJML, naming the file and the problem', async () => {
    await edit('lesson-2.mjml', '<mj-text mj-class="label">', '</mj-column><mj-text mj-class="label">');

    const error = await buildEmails({ dir }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EmailBuildError);
    expect((error as Error).message).toMatch(/lesson-2\.mjml: MJML is invalid/);
  });

  it('fails on a component in the wrong place, which mjml alone would only warn about', async () => {
    await edit('lesson-3.mjml', /<mj-column>/, '<mj-text>stray</mj-text><mj-column>');

    await expect(buildEmails({ dir })).rejects.toThrow(/lesson-3\.mjml: MJML is invalid:[\s\S]*mj-text/);
  });

  it('fails when a partial is missing instead of silently leaving it out', async () => {
    await rm(join(copy, 'partials/footer-legal.mjml'));

    await expect(buildEmails({ dir })).rejects.toThrow(/footer-legal\.mjml" not found/);
  });

  it('fails when a template is not named in course.json, or a named template is missing', async () => {
    await writeFile(join(dir, 'lesson-6.mjml'), '<mjml lang="en"><mj-body></mj-body></mjml>');
    await expect(buildEmails({ dir })).rejects.toThrow(/lesson-6\.mjml: not named in .*course\.json/);

    await rm(join(dir, 'lesson-6.mjml'));
    await rm(join(dir, 'lesson-4.mjml'));
    await expect(buildEmails({ dir })).rejects.toThrow(/course\.json: no template lesson-4\.mjml/);
  });

  it('fails on a course.json field that is missing or wrong, naming the file and the field', async () => {
    await edit('course.json', /"delayDays": 2,/, '"delayDays": -1,');
    await expect(buildEmails({ dir })).rejects.toThrow(
      /knee-pain\/course\.json: lessons\[1\]\.delayDays: must be 0 or more/,
    );

    await edit('course.json', /"subject": "Lesson 3[^"]*",/, '');
    await expect(buildEmails({ dir })).rejects.toThrow(/course\.json: lessons\[2\]\.subject: is required/);
  });

  it('fails on a placeholder that is not a variable', async () => {
    await edit('lesson-1.mjml', 'Hi {{firstName}},', 'Hi {{firstName}} {{lastName}},');

    await expect(buildEmails({ dir })).rejects.toThrow(
      /lesson-1\.mjml: uses \{\{lastName\}\}, which is not a variable/,
    );
  });

  it('fails on a malformed placeholder', async () => {
    await edit('lesson-1.mjml', 'Hi {{firstName}},', 'Hi {{ firstName }},');

    await expect(buildEmails({ dir })).rejects.toThrow(/malformed placeholder/);
  });

  it('fails when the confirmation lacks its link or a lesson carries the wrong one', async () => {
    await edit('confirm.mjml', 'href="{{confirmUrl}}"', 'href="https://clinic.example/"');
    await expect(buildEmails({ dir })).rejects.toThrow(/confirm\.mjml: must use \{\{confirmUrl\}\}/);

    await edit('confirm.mjml', 'href="https://clinic.example/"', 'href="{{confirmUrl}}"');
    await edit('lesson-2.mjml', 'Hi {{firstName}},', 'Hi <a href="{{confirmUrl}}">{{firstName}}</a>,');
    await expect(buildEmails({ dir })).rejects.toThrow(/lesson-2\.mjml: may not use \{\{confirmUrl\}\}/);
  });

  it('refuses a text variable inside a link, which could become a javascript: URL', async () => {
    await edit('lesson-1.mjml', 'Hi {{firstName}},', 'Hi <a href="{{firstName}}">you</a>,');

    await expect(buildEmails({ dir })).rejects.toThrow(
      /href="\{\{firstName\}\}" must be exactly one URL variable/,
    );
  });

  it.each([
    [
      'a text variable in a style',
      '<p style="color:{{clinicName}}">x</p>',
      /style="color:\{\{clinicName\}\}" may hold only colour variables/,
    ],
    [
      'a text variable as an image size',
      '<img src="{{siteUrl}}" alt="" width="{{firstName}}">',
      /width="\{\{firstName\}\}" must be exactly one pixel variable/,
    ],
    [
      'a text variable as an image source',
      '<img src="{{firstName}}" alt="">',
      /src="\{\{firstName\}\}" must be exactly one URL variable/,
    ],
    [
      'a variable in any other attribute',
      '<p class="{{firstName}}">x</p>',
      /class="\{\{firstName\}\}" may hold no variable/,
    ],
    [
      'a text variable inside a <style> element',
      '</p><style>p { color: {{firstName}}; }</style><p>',
      /\{\{firstName\}\} in a <style> element/,
    ],
    [
      'an optional variable outside its section',
      '{{phone}}',
      /\{\{phone\}\} is optional: use it inside \{\{#phone\}\}/,
    ],
    [
      'a section never closed',
      '{{#phone}}{{phone}}',
      /\{\{#phone\}\} is never closed|inside \{\{#phone\}\}: sections do not nest/,
    ],
    [
      'a section opened by a required variable',
      '{{#firstName}}x{{/firstName}}',
      /only an optional variable .* may open a section/,
    ],
    ['nested sections', '{{#phone}}{{#practitioner}}x{{/practitioner}}{{/phone}}', /sections do not nest/],
  ])('refuses %s', async (_name, markup, message) => {
    await edit('lesson-1.mjml', 'Hi {{firstName}},', `Hi {{firstName}}, ${markup}`);
    await expect(buildEmails({ dir })).rejects.toThrow(message);
  });

  it('turns the default accent into {{accentColor}} and keeps the optional sections for send time', async () => {
    const [confirm] = await buildEmails({ dir });
    expect(confirm?.html).not.toContain('#1f5e57');
    expect(confirm?.html).toContain('background:{{accentColor}}');
    expect(confirm?.html).toMatch(
      /\{\{#logoUrl\}\}<img src="\{\{logoUrl\}\}" alt="\{\{clinicName\}\}" width="\{\{logoWidth\}\}" height="\{\{logoHeight\}\}"/,
    );
    expect(confirm?.variables).toEqual(
      expect.arrayContaining(['accentColor', 'logoUrl', 'phone', 'practitioner', 'privacyPolicyUrl']),
    );
    // The logo has no words: its empty section is not left in the plain text.
    expect(confirm?.text).not.toContain('logoUrl');
  });

  it('exits non-zero with a clear message from the command line', async () => {
    await edit('confirm.mjml', '<mj-button', '<mj-buton');

    const result = await run(tsx, ['scripts/build-emails.ts', '--dir', dir, '--out', join(dir, 'out.ts')], {
      cwd: root,
    }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );

    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Email build failed: .*confirm\.mjml: MJML is invalid/);
  });

  it('writes a generated module with every email from the command line', async () => {
    const out = join(dir, 'out.ts');

    await run(tsx, ['scripts/build-emails.ts', '--dir', dir, '--out', out], { cwd: root });

    const source = await readFile(out, 'utf8');
    for (const id of emailIds) expect(source).toContain(`"${id}": {`);
    expect(source).not.toMatch(/from '(mjml|html-to-text)/);
  });
});

describe('run-time code', () => {
  it('never imports mjml or html-to-text under functions/', async () => {
    const files = (await readdir(join(root, 'functions'), { recursive: true })).filter((f) =>
      f.endsWith('.ts'),
    );
    for (const file of files) {
      const source = await readFile(join(root, 'functions', file), 'utf8');
      expect(source, relative(root, file)).not.toMatch(/(from|import|require\()\s*['"](mjml|html-to-text)/);
    }
  });

  it('bundles the renderer without mjml, small enough for a Lambda', async () => {
    const result = await esbuild({
      entryPoints: [join(root, 'functions/core/render.ts')],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      logLevel: 'silent',
    });
    const code = result.outputFiles[0]?.text ?? '';

    expect(code).not.toMatch(/mjml-core|html-to-text|htmlparser2/);
    expect(code.length).toBeLessThan(300 * 1024);
  });
});
