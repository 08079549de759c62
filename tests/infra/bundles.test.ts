import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BundleReport, bundleFunctions } from '../../infra/bundles.js';
import { LAMBDA_ENTRIES, type LambdaName } from '../../infra/bundling.js';

/** What a function may weigh, minified, before cold starts suffer. */
const MAX_BUNDLE_BYTES = 700 * 1024;

let outDir: string;
let reports: Record<LambdaName, BundleReport>;

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'course-bundles-'));
  reports = await bundleFunctions(outDir);
  for (const [name, report] of Object.entries(reports)) {
    const largest = report.largest.map((l) => `${l.name} ${(l.bytes / 1024).toFixed(0)} KB`).join(', ');
    console.log(
      `${name.padEnd(10)} ${(report.bytes / 1024).toFixed(1).padStart(7)} KB (map ${(report.sourceMapBytes / 1024).toFixed(0)} KB); largest: ${largest}`,
    );
  }
});

const names = Object.keys(LAMBDA_ENTRIES) as LambdaName[];

describe('Lambda bundles', () => {
  it.each(names)('builds %s under 700 KB', (name) => {
    expect(reports[name].bytes).toBeGreaterThan(0);
    expect(reports[name].bytes).toBeLessThan(MAX_BUNDLE_BYTES);
  });

  it.each(names)('ships a source map with %s that points into the project', (name) => {
    const map = JSON.parse(readFileSync(join(outDir, name, 'index.mjs.map'), 'utf8')) as {
      sources: string[];
    };
    expect(reports[name].sourceMapBytes).toBeGreaterThan(0);
    expect(map.sources.some((source) => source.includes('functions/'))).toBe(true);
  });

  it.each(names)('leaves mjml out of %s (emails are compiled at build time)', (name) => {
    expect(reports[name].packages.filter((p) => p === 'mjml' || p.startsWith('mjml-'))).toEqual([]);
  });

  it.each(names)('carries its own AWS SDK in %s, loadable as an ES module', (name) => {
    expect(reports[name].packages.some((p) => p.startsWith('@aws-sdk/'))).toBe(true);
    const code = readFileSync(join(outDir, name, 'index.mjs'), 'utf8');
    expect(code.startsWith('import { createRequire')).toBe(true);
    expect(code).toMatch(/export\s*\{[^}]*handler/);
  });
});
