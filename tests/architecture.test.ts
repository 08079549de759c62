/**
 * The layering the code keeps, checked from its own import lines: infra sees only the
 * shared contract, the core sees no AWS, adapters and routes never reach up into the
 * handlers, only the wiring reads the environment, and comments stay short.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function sourceFiles(folder: string): string[] {
  const dir = join(ROOT, folder);
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'generated' ? [] : sourceFiles(relative(ROOT, path));
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [relative(ROOT, path)] : [];
  });
}

/** Each import of a file as a repository path (relative imports) or a package name. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specifiers = [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)].map(
    (m) => m[1] ?? '',
  );
  return specifiers.map((s) =>
    s.startsWith('.') ? relative(ROOT, resolve(ROOT, dirname(file), s)).replace(/\.js$/, '.ts') : s,
  );
}

function offending(files: string[], forbidden: (target: string) => boolean): string[] {
  return files.flatMap((file) =>
    importsOf(file)
      .filter(forbidden)
      .map((target) => `${file} -> ${target}`),
  );
}

describe('layering', () => {
  it('lets infra import nothing from the functions but the shared contract', () => {
    const bad = offending(
      sourceFiles('infra'),
      (t) => t.startsWith('functions/') && t !== 'functions/contract.ts',
    );
    expect(bad).toEqual([]);
  });

  it('keeps the core free of AWS and of every outer layer', () => {
    const bad = offending(
      sourceFiles('functions/core'),
      (t) =>
        t.startsWith('@aws-sdk/') ||
        t.startsWith('@aws-lambda-powertools/') ||
        (t.startsWith('functions/') && !t.startsWith('functions/core/') && t !== 'functions/contract.ts'),
    );
    expect(bad).toEqual([]);
  });

  it('keeps adapters, routes and handlers from reaching up into handlers or the wiring', () => {
    const files = [...sourceFiles('functions/adapters'), ...sourceFiles('functions/http')];
    expect(
      offending(files, (t) => t.startsWith('functions/handlers/') || t === 'functions/wiring.ts'),
    ).toEqual([]);
    expect(offending(sourceFiles('functions/handlers'), (t) => t === 'functions/wiring.ts')).toEqual([]);
  });

  it('gives the contract no imports at all, so the CDK app never loads course logic', () => {
    expect(importsOf('functions/contract.ts')).toEqual([]);
  });

  it('keeps the benchmarks independent of the tests', () => {
    expect(offending(sourceFiles('bench'), (t) => t.startsWith('tests/'))).toEqual([]);
  });

  it('reads the Lambda environment only in the wiring module', () => {
    const readers = sourceFiles('functions').filter((file) =>
      readFileSync(join(ROOT, file), 'utf8').includes('process.env'),
    );
    expect(readers).toEqual(['functions/wiring.ts']);
  });
});

describe('comments', () => {
  it('keeps every doc comment to about twelve lines: the long story lives in docs/', () => {
    const long: string[] = [];
    for (const file of [...sourceFiles('functions'), ...sourceFiles('infra'), ...sourceFiles('scripts')]) {
      const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
      let start = -1;
      lines.forEach((line, i) => {
        if (start < 0 && line.trim().startsWith('/**') && !line.includes('*/')) start = i;
        else if (start >= 0 && line.includes('*/')) {
          if (i - start + 1 > 12) long.push(`${file}:${start + 1} (${i - start + 1} lines)`);
          start = -1;
        }
      });
    }
    expect(long).toEqual([]);
  });
});
