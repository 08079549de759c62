import { existsSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { courseConfigSchema } from '../../infra/config.js';
import {
  anchorsOf,
  fromRoot,
  isExternal,
  type Link,
  linksIn,
  projectDocs,
  prose,
  ROOT,
  read,
} from './markdown.js';

const README_MAX_LINES = 250;
const DRIP_PROTOCOL = 'docs/drip.md#drip-protocol';

/** Where a relative link lands: the file (from the project root) and the anchor, if any. */
function resolveLink(link: Link): { path: string; anchor: string | undefined } {
  const [file = '', anchor] = link.target.split('#', 2);
  const path = file === '' ? link.file : fromRoot(normalize(join(ROOT, dirname(link.file), decodeURI(file))));
  return { path, anchor };
}

/** Field names of a zod object schema, nested objects as `parent.child` too. */
function fieldNames(schema: z.ZodType, prefix = ''): string[] {
  let inner = schema as z.ZodType & { unwrap?: () => z.ZodType; shape?: Record<string, z.ZodType> };
  while (!inner.shape && typeof inner.unwrap === 'function') inner = inner.unwrap() as typeof inner;
  if (!inner.shape) return [];
  return Object.entries(inner.shape).flatMap(([name, field]) => [
    `${prefix}${name}`,
    ...fieldNames(field, `${prefix}${name}.`),
  ]);
}

describe('the README and the guides in docs/', () => {
  const files = projectDocs();
  const links = files.flatMap(linksIn).filter((link) => !isExternal(link.target));

  it('has the guides the README points to', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'docs/architecture.md',
        'docs/configuration.md',
        'docs/deploying.md',
        'docs/drip.md',
        'docs/emails.md',
        'docs/local.md',
        'docs/operating.md',
        'docs/security.md',
        'docs/signup-api.md',
      ]),
    );
    const readmeTargets = new Set(linksIn('README.md').map((link) => resolveLink(link).path));
    const unlinked = files.filter((file) => file !== 'README.md' && !readmeTargets.has(file));
    expect(unlinked, 'guides the README does not link to').toEqual([]);
  });

  it('keeps the README under 250 lines', () => {
    const lines = read('README.md').trimEnd().split('\n').length;
    expect(lines).toBeLessThan(README_MAX_LINES);
  });

  it('links only to files that exist', () => {
    const broken = links
      .filter((link) => !existsSync(join(ROOT, resolveLink(link).path)))
      .map((link) => `${link.file}:${link.line} -> ${link.target}`);
    expect(broken).toEqual([]);
  });

  it('links only to anchors that exist', () => {
    const broken = links.flatMap((link) => {
      const { path, anchor } = resolveLink(link);
      if (anchor === undefined || !path.endsWith('.md')) return [];
      const full = join(ROOT, path);
      if (!existsSync(full) || !statSync(full).isFile()) return [];
      return anchorsOf(read(path)).has(anchor) ? [] : [`${link.file}:${link.line} -> ${link.target}`];
    });
    expect(broken).toEqual([]);
  });

  it('describes the drip protocol once, in docs/drip.md, under a stable anchor that links reach', () => {
    const headings = files.flatMap((file) =>
      [...prose(read(file)).matchAll(/^#{1,6} .*drip protocol.*$/gim)].map((m) => `${file}: ${m[0]}`),
    );
    expect(headings).toEqual([expect.stringMatching(/^docs\/drip\.md: ## The drip protocol/)]);
    expect(anchorsOf(read('docs/drip.md'))).toContain('drip-protocol');

    const intoProtocol = links.filter((link) => {
      const { path, anchor } = resolveLink(link);
      return `${path}#${anchor}` === DRIP_PROTOCOL;
    });
    const linkingFiles = new Set(intoProtocol.map((link) => link.file));
    expect([...linkingFiles]).toEqual(expect.arrayContaining(['README.md', 'docs/architecture.md']));
  });

  it('gives every field of the course.config.json schema a row in docs/configuration.md', () => {
    const doc = read('docs/configuration.md');
    const rows = doc.split('\n').filter((line) => line.startsWith('| `'));
    const fields = fieldNames(courseConfigSchema);
    expect(fields).toEqual(expect.arrayContaining(['senderAddress', 'apiThrottle', 'apiThrottle.rateLimit']));
    // A top-level field has its own row; a nested one is named in its parent's row.
    const missing = fields.filter((field) => {
      const [parent, child] = field.split('.');
      const row = rows.find((line) => line.startsWith(`| \`${parent}\` |`));
      return !row || (child !== undefined && !row.includes(`\`${child}\``) && !row.includes(`"${child}"`));
    });
    expect(missing).toEqual([]);
  });

  it('names no config field in docs/configuration.md that the schema does not have', () => {
    const known = new Set(fieldNames(courseConfigSchema).map((field) => field.split('.').at(-1)));
    const table = read('docs/configuration.md')
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) => /^\| `([^`]+)`/.exec(line)?.[1] as string);
    expect(table.length).toBeGreaterThan(0);
    expect(table.filter((name) => !known.has(name))).toEqual([]);
  });
});
