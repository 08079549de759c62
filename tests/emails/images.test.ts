/**
 * Pictures in lessons: drawn as SVG, made PNG at build time, refused without alt text or a
 * fixed size, and served by the API at `/assets/<hash>.png` with a year-long cache.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compiledEmails, lessonImages } from '../../functions/core/generated/emails.js';
import { compileEmail, EmailBuildError } from '../../scripts/build-emails.js';
import { checkImages, embedImages, LessonImageError } from '../../scripts/lesson-images.js';
import { testApi } from '../http/harness.js';
import { httpEvent } from '../support/http-event.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const drawing =
  '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="150" viewBox="0 0 300 150">' +
  '<circle cx="150" cy="75" r="60" fill="none" stroke="#1f5e57" stroke-width="6"/></svg>';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lesson-images-'));
  mkdirSync(join(dir, 'images'));
  writeFileSync(join(dir, 'images', 'circle.svg'), drawing);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const image = (attrs: string) => `<mj-image src="images/circle.svg" ${attrs} />`;

/** PNG width and height from its IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('embedImages', () => {
  it('makes the SVG a PNG at twice its size, named by its content, and points src at the assets URL', () => {
    const { mjml, images } = embedImages(
      image('alt="A circle" width="300px" height="150px"'),
      'lesson.mjml',
      dir,
    );

    expect(images).toHaveLength(1);
    const [png] = images;
    expect(png?.png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    expect(pngSize(png?.png as Buffer)).toEqual({ width: 600, height: 300 });
    expect(png?.file).toMatch(/^[0-9a-f]{20}\.png$/);
    expect(mjml).toBe(
      image('alt="A circle" width="300px" height="150px"').replace(
        'images/circle.svg',
        `{{assetsUrl}}/${png?.file}`,
      ),
    );
  });

  it.each([
    ['no alt text', 'width="300px" height="150px"', 'needs alt text'],
    ['empty alt text', 'alt=" " width="300px" height="150px"', 'needs alt text'],
    ['no width', 'alt="A circle" height="150px"', 'needs width'],
    ['no height', 'alt="A circle" width="300px"', 'needs height'],
  ])('refuses an image with %s', (_case, attrs, message) => {
    expect(() => embedImages(image(attrs), 'lesson-9.mjml', dir)).toThrow(LessonImageError);
    expect(() => embedImages(image(attrs), 'lesson-9.mjml', dir)).toThrow(
      `lesson-9.mjml: image images/circle.svg ${message}`,
    );
  });

  it('names a drawing that is not there', () => {
    const mjml = '<mj-image src="images/square.svg" alt="A square" width="300px" height="150px" />';

    expect(() => embedImages(mjml, 'lesson.mjml', dir)).toThrow(/no drawing .*images\/square\.svg/);
  });
});

describe('checkImages', () => {
  it('refuses an img in the compiled HTML without alt text or a fixed height', () => {
    expect(() => checkImages('x.mjml', '<img src="https://a.example/x.png" width="10" height="10">')).toThrow(
      'has no alt text',
    );
    expect(() =>
      checkImages('x.mjml', '<img alt="x" src="https://a.example/x.png" width="10" height="auto">'),
    ).toThrow('has no fixed height');
    expect(() =>
      checkImages(
        'x.mjml',
        '<img alt="Logo" src="{{logoUrl}}" width="{{logoWidth}}" height="{{logoHeight}}">',
      ),
    ).not.toThrow();
  });
});

describe('the build', () => {
  function lesson(imageTag: string): string {
    const file = join(dir, 'lesson.mjml');
    writeFileSync(
      file,
      `<mjml lang="en"><mj-body><mj-section><mj-column>${imageTag}<mj-text><p>Hi {{firstName}}</p><p><a href="{{unsubscribeUrl}}">Unsubscribe</a></p></mj-text></mj-column></mj-section></mj-body></mjml>`,
    );
    return file;
  }
  const course = { title: 'T', name: 'the course', disclaimer: 'Not advice.' };
  const source = { id: 'lesson-1', subject: 'Lesson', preheader: 'Pre' };

  it('fails on a lesson image without alt text, naming the file', async () => {
    const file = lesson(image('width="300px" height="150px"'));

    await expect(compileEmail(file, source, 'sequence', course, dir)).rejects.toThrow(EmailBuildError);
    await expect(compileEmail(file, source, 'sequence', course, dir)).rejects.toThrow(
      /lesson\.mjml: .*needs alt text/,
    );
  });

  it('keeps pictures out of the confirmation email, which the API renders with no assets URL', async () => {
    const file = lesson(image('alt="A circle" width="300px" height="150px"'));

    await expect(compileEmail(file, source, 'confirmation', course, dir)).rejects.toThrow(
      'pictures go in the lessons, not in the confirmation email',
    );
  });

  it('compiles one with alt text and a size into an img that scales on a phone', async () => {
    const file = lesson(image('alt="A circle" width="300px" height="150px"'));

    const email = await compileEmail(file, source, 'sequence', course, dir);

    expect(email.variables).toContain('assetsUrl');
    const tag = /<img [^>]*>/.exec(email.html)?.[0] ?? '';
    expect(tag).toMatch(/src="\{\{assetsUrl\}\}\/[0-9a-f]{20}\.png"/);
    expect(tag).toContain('alt="A circle"');
    expect(tag).toContain('width="300"');
    expect(tag).toContain('height="150"');
    expect(tag).toContain('height:auto');
    expect(email.images).toHaveLength(1);
  });

  it('gives lessons 3 and 4 one picture each, with alt text, served from the assets URL', () => {
    for (const id of ['lesson-3', 'lesson-4']) {
      const tags = compiledEmails[id]?.html.match(/<img [^>]*src="\{\{assetsUrl\}\}[^>]*>/g) ?? [];
      expect(tags, id).toHaveLength(1);
      expect(tags[0]).toMatch(/alt="[^"]{80,}"/);
      const file = /\/([0-9a-f]{20}\.png)"/.exec(tags[0] ?? '')?.[1] as string;
      expect(Object.keys(lessonImages)).toContain(file);
    }
  });
});

describe('GET /assets/<hash>.png', () => {
  it('serves each picture as a PNG with a year-long, immutable cache', async () => {
    const t = testApi();
    const [file, base64] = Object.entries(lessonImages)[0] as [string, string];

    const res = await t.call(httpEvent({ path: `/assets/${file}` }));

    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.isBase64Encoded).toBe(true);
    expect(res.body).toBe(base64);
    expect(Buffer.from(res.body, 'base64').subarray(0, 8)).toEqual(PNG_SIGNATURE);
  });

  it('answers 404 for a name it does not hold', async () => {
    const t = testApi();

    const res = await t.call(httpEvent({ path: '/assets/0123456789abcdef0123.png' }));

    expect(res.statusCode).toBe(404);
  });
});
