import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as {
  packages: Record<string, { engines?: { node?: string } | string[] }>;
};

describe('install', () => {
  it('claims a Node.js floor that every locked dependency supports, so npm install warns of no engine', () => {
    const floor = semver.minVersion(pkg.engines.node);
    expect(floor).not.toBeNull();
    const unsupported = Object.entries(lock.packages)
      .map(([path, entry]) => [path, Array.isArray(entry.engines) ? undefined : entry.engines?.node] as const)
      .filter(([, range]) => range !== undefined && !semver.satisfies(floor as semver.SemVer, range))
      .map(([path, range]) => `${path.replace(/^.*node_modules\//, '')} needs ${range}`);
    expect(unsupported).toEqual([]);
  });
});
