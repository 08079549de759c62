/**
 * The real `cdk synth`, as a course owner runs it: cdk.json's build step, infra/app.ts,
 * cdk-nag and local esbuild bundling, with no AWS credentials and no Docker.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
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
      timeout: 120_000,
    });

    expect(result.status, result.stderr).toBe(0);
    const template = JSON.parse(readFileSync(join(out, 'KneePainCourse.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string }>;
    };
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(functions).toHaveLength(4);
    expect(existsSync(join(out, 'manifest.json'))).toBe(true);
  });
});
