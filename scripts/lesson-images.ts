/**
 * Pictures in lessons, at build time. A lesson draws one with
 * `<mj-image src="images/<name>.svg" alt="..." width="520px" height="300px" />`: the SVG
 * in the course's `images/` folder becomes a PNG (mail clients do not show SVG), rendered
 * by resvg with no browser, at twice the size for sharp screens, named by its content
 * hash and served by the stack at `/assets/<hash>.png` with a year-long cache.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import UPNG from 'upng-js';

/** A lesson's drawing as a PNG, as the stack serves it. */
export interface LessonImage {
  /** `<hash>.png`: a new drawing is a new name, so the long cache never shows an old one. */
  readonly file: string;
  readonly png: Buffer;
  /** Where it came from, for messages. */
  readonly source: string;
}

/** A lesson picture that cannot be used; the message names the file and what to fix. */
export class LessonImageError extends Error {
  override readonly name = 'LessonImageError';
}

/** Pixels per CSS pixel of the PNG: sharp on phones and retina screens. */
const SCALE = 2;
/** Colours of the PNG's palette: enough for smooth edges on a flat drawing. */
const PALETTE = 64;

const mjImage = /<mj-image\b([^>]*?)\/?>/g;
const attribute = /([\w-]+)\s*=\s*"([^"]*)"/g;

function attributesOf(tag: string): Record<string, string> {
  return Object.fromEntries([...tag.matchAll(attribute)].map((m) => [m[1] as string, m[2] as string]));
}

/**
 * Checks every `<mj-image>` of a template (alt text, width and height) and turns each
 * `images/<name>.svg` into a PNG, pointing its `src` at `{{assetsUrl}}/<hash>.png`.
 * @throws LessonImageError naming the template and the image.
 */
export function embedImages(
  mjml: string,
  where: string,
  courseDir: string,
): { mjml: string; images: LessonImage[] } {
  const images: LessonImage[] = [];
  const out = mjml.replace(mjImage, (tag, attrs: string) => {
    const a = attributesOf(attrs);
    const name = a.src ?? '(no src)';
    if (!a.alt?.trim()) throw new LessonImageError(`${where}: image ${name} needs alt text (alt="...")`);
    for (const side of ['width', 'height'] as const) {
      if (!/^(\d+(px)?|\{\{\w+\}\}(px)?)$/.test(a[side] ?? '')) {
        throw new LessonImageError(`${where}: image ${name} needs ${side}="<pixels>px"`);
      }
    }
    const local = /^images\/([\w-]+)\.svg$/.exec(a.src ?? '');
    if (!local) return tag;
    const file = join(courseDir, 'images', `${local[1]}.svg`);
    if (!existsSync(file))
      throw new LessonImageError(`${where}: no drawing ${relative(process.cwd(), file)}`);
    const image = renderPng(file, Number.parseInt(a.width as string, 10));
    images.push(image);
    return tag.replace(`src="${a.src}"`, `src="{{assetsUrl}}/${image.file}"`);
  });
  return { mjml: out, images };
}

/**
 * Renders an SVG at `width` CSS pixels (twice that in pixels), with the machine's fonts,
 * on a palette of 64 colours: a line drawing looks the same at under half the bytes, and
 * the API bundle that serves it stays small.
 */
export function renderPng(file: string, width: number): LessonImage {
  const svg = readFileSync(file, 'utf8');
  const image = new Resvg(svg, {
    fitTo: { mode: 'width', value: width * SCALE },
    background: '#ffffff',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  }).render();
  const rgba = new Uint8Array(image.pixels);
  const png = Buffer.from(UPNG.encode([rgba.buffer], image.width, image.height, PALETTE));
  const hash = createHash('sha256').update(png).digest('hex').slice(0, 20);
  return { file: `${hash}.png`, png, source: relative(process.cwd(), file) };
}

/**
 * Every `<img>` of a compiled email has alt text and a fixed width and height, so a client
 * that blocks images still lays the email out and says what is missing.
 * @throws LessonImageError naming the template and the image.
 */
export function checkImages(where: string, html: string): void {
  for (const match of html.matchAll(/<img\b[^>]*>/g)) {
    const a = attributesOf(match[0]);
    const name = a.src ?? '(no src)';
    if (!a.alt?.trim()) throw new LessonImageError(`${where}: image ${name} has no alt text`);
    for (const side of ['width', 'height'] as const) {
      if (!/^(\d+|\{\{\w+\}\})$/.test(a[side] ?? '')) {
        throw new LessonImageError(`${where}: image ${name} has no fixed ${side}`);
      }
    }
  }
}

/**
 * mjml fixes an image's CSS height, which squashes it on a phone where its width shrinks:
 * a lesson picture keeps its height attribute (the layout before it loads) and scales.
 */
export function scaleLessonImages(html: string): string {
  return html.replace(/<img\b[^>]*src="\{\{assetsUrl\}\}\/[^"]*"[^>]*>/g, (tag) =>
    tag.replace(/(style="[^"]*?)height:\d+px;/, '$1height:auto;'),
  );
}

/** The `src` the build writes for a lesson image: the stack's asset URL and a hashed name. */
export const lessonImageSrc = /^\{\{assetsUrl\}\}\/[0-9a-f]{20}\.png$/;
