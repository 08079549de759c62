/**
 * The real `cdk synth`, as a course owner runs it: cdk.json's build step, infra/app.ts,
 * cdk-nag and local esbuild bundling, with no AWS credentials and no Docker.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('npx cdk synth', () => {
  it('synthesizes the stack offline, without AWS credentials', () => {
    const out = mkdtempSync(join(tmpdir(), 'course-cdk-synth-'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AWS_EC2_METADATA_DISABLED: 'true',
      CDK_DISABLE_VERSION_CHECK: '1',
    };
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) {
      delete env[name];
    }

    const result = spawnSync('npx', ['cdk', 'synth', '--quiet', '--no-notices', '-o', out], {
      cwd: new URL('../..', import.meta.url),
      env,
      encoding: 'utf8',
      timeout: 140_000,
    });

    expect(result.status, result.stderr).toBe(0);
    const template = JSON.parse(readFileSync(join(out, 'KneePainCourse.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string }>;
    };
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(4);
    expect(existsSync(join(out, 'manifest.json'))).toBe(true);
    // A real synth bundles four functions and runs two cdk-nag packs: over a minute when
    // the whole suite shares the machine's cores.
  }, 150_000);

  it('sets every feature flag this aws-cdk-lib recommends, so synth prints no notice about them', () => {
    const require = createRequire(import.meta.url);
    const recommended = require('aws-cdk-lib/recommended-feature-flags.json') as Record<string, unknown>;
    const { context } = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
      context: Record<string, unknown>;
    };
    expect(Object.keys(recommended).length).toBeGreaterThan(50);
    for (const [flag, value] of Object.entries(recommended)) expect(context[flag], flag).toEqual(value);
  });
});
