/**
 * Reading the project's markdown the way GitHub renders it: prose without code, links,
 * and the anchors headings and `<a id>` tags make.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** README.md and every guide in docs/, as paths relative to the project root. */
export function projectDocs(): string[] {
  const guides = readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...guides];
}

export function read(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

/** The text with fenced code blocks blanked out (line numbers kept). */
export function withoutCodeBlocks(markdown: string): string {
  let fenced = false;
  return markdown
    .split('\n')
    .map((line) => {
      if (/^\s*(```|~~~)/.test(line)) {
        fenced = !fenced;
        return '';
      }
      return fenced ? '' : line;
    })
    .join('\n');
}

/** The text with fenced code blocks and inline code spans blanked out. */
export function prose(markdown: string): string {
  return withoutCodeBlocks(markdown).replace(/`[^`\n]*`/g, '``');
}

export interface Link {
  readonly file: string;
  readonly line: number;
  readonly target: string;
}

/** Every link and image target in a file's prose: markdown `[..](..)` and HTML `src`/`href`. */
export function linksIn(file: string): Link[] {
  const links: Link[] = [];
  prose(read(file))
    .split('\n')
    .forEach((text, index) => {
      for (const match of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
        links.push({ file, line: index + 1, target: match[1] as string });
      }
      for (const match of text.matchAll(/\b(?:src|href)="([^"]+)"/g)) {
        links.push({ file, line: index + 1, target: match[1] as string });
      }
    });
  return links;
}

/** True for a link that leaves the project (a URL with a scheme). */
export function isExternal(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(target);
}

/** GitHub's anchor for a heading: markup and punctuation dropped, lower case, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .replace(/<[^>]+>/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Every anchor a markdown file offers: heading slugs (with GitHub's -1, -2 for repeats) and explicit ids. */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const text = withoutCodeBlocks(markdown);
  for (const match of text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(match[1] as string);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  for (const match of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(match[1] as string);
  return anchors;
}

/** A path relative to the project root, for messages. */
export function fromRoot(path: string): string {
  return relative(ROOT, path) || '.';
}
