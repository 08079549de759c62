import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCourseApp } from '../../infra/course-app.js';
import { testConfig } from './synth.js';

interface Acknowledgement {
  path: string;
  id: string;
  reason: string;
  onStackOrApp: boolean;
}

function acknowledgements(root: IConstruct): Acknowledgement[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          id,
          reason,
          onStackOrApp: construct instanceof Stack || construct instanceof App,
        })),
      ),
  );
}

interface PluginReport {
  pluginName: string;
  violations?: unknown[];
  suppressedViolations?: { acknowledgedId: string; acknowledgedAt: string }[];
}
let report: { pluginReports: PluginReport[] };
let app: App;

beforeAll(() => {
  ({ app } = createCourseApp(testConfig()));
  const assembly = app.synth();
  report = JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8'));
});

describe('cdk-nag AwsSolutions and Serverless checks', () => {
  it('pass on the course stack with every finding either fixed or acknowledged', () => {
    const violations = report.pluginReports.flatMap((r) => r.violations ?? []);
    expect(violations).toEqual([]);
  });

  it('fail the synth on a Serverless finding nobody acknowledged', () => {
    const { app: bad, stack } = createCourseApp(testConfig());
    const dlq = new sqs.Queue(stack, 'Dlq', { enforceSSL: true });
    Validations.of(dlq).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason: 'a dead-letter queue in this test only, no more',
    });
    new sqs.Queue(stack, 'Unredriven', {
      enforceSSL: true,
      deadLetterQueue: { queue: dlq, maxReceiveCount: 3 },
    });
    expect(() => bad.synth()).toThrow(/Serverless-SQSRedrivePolicy/);
  });

  it('fail the synth on a finding nobody acknowledged', () => {
    const { app: bad, stack } = createCourseApp(testConfig());
    new sqs.Queue(stack, 'PlainQueue'); // no TLS policy, no dead-letter queue
    expect(() => bad.synth()).toThrow(/AwsSolutions-SQS4/);
  });

  it('run on every synth', () => {
    expect(report.pluginReports.map((r) => r.pluginName)).toEqual(
      expect.arrayContaining(['AwsSolutions', 'Serverless']),
    );
  });

  it('keep no acknowledgement that no longer matches a finding', () => {
    const used = new Set(
      report.pluginReports
        .flatMap((r) => r.suppressedViolations ?? [])
        .map((v) => `${v.acknowledgedAt} ${v.acknowledgedId}`),
    );
    for (const ack of acknowledgements(app)) expect(used, ack.id).toContain(`${ack.path} ${ack.id}`);
  });

  it('acknowledge findings on the resource they concern, each with a specific reason', () => {
    const acks = acknowledgements(app);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.onStackOrApp, `${ack.id} on ${ack.path}`).toBe(false);
      expect(ack.id).toMatch(/^(AwsSolutions::AwsSolutions-[A-Z]+\d+|Serverless::Serverless-[A-Za-z]+)/);
      expect(ack.reason.length, `${ack.id} on ${ack.path}`).toBeGreaterThanOrEqual(40);
    }
  });
});
