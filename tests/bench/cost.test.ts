import { beforeAll, describe, expect, it } from 'vitest';
import {
  addUsage,
  type CostLine,
  costFor,
  eventsPerEmail,
  noUsage,
  PRICES,
  scaleUsage,
  type Usage,
} from '../../bench/cost.js';
import {
  type CfnTemplate,
  defaultConfig,
  FIXED_MONTHLY_TARGET_DOLLARS,
  fixedMonthlyOf,
  sumDollars,
  synthTemplate,
} from '../../bench/fixed-cost.js';

const emailsOnly: Usage = { ...noUsage, emails: 7 };

describe('cost model', () => {
  it('charges only SES when nothing else is used', () => {
    const report = costFor(emailsOnly, 1000);

    expect(report.sesDollars).toBeCloseTo(0.7, 10);
    expect(report.infraDollars).toBe(0);
    expect(report.infraShare).toBe(0);
  });

  it('prices each line at its list price for 1,000 subscribers', () => {
    const usage: Usage = {
      emails: 7,
      apiRequests: 6,
      lambdaInvocations: 20,
      lambdaMs: 1000,
      readUnits: 16,
      writeUnits: 8,
      sqsRequests: 5,
      events: 14,
      logBytes: 1024 ** 3 / 1000,
      transferBytes: 1024 ** 3 / 1000,
    };

    const report = costFor(usage, 1000, 256);
    const line = (prefix: string) => report.lines.find((l) => l.item.startsWith(prefix))?.dollars;

    expect(line('API Gateway')).toBeCloseTo(0.006, 10);
    expect(line('Lambda requests')).toBeCloseTo(0.004, 10);
    // 1,000 subscribers × 1 s × 0.25 GB = 250 GB-s.
    expect(line('Lambda duration')).toBeCloseTo(250 * PRICES.lambdaPerGbSecond, 10);
    expect(line('DynamoDB reads')).toBeCloseTo(0.002, 10);
    expect(line('DynamoDB writes')).toBeCloseTo(0.005, 10);
    expect(line('SQS')).toBeCloseTo(0.002, 10);
    expect(line('EventBridge')).toBeCloseTo(0.014, 10);
    expect(line('CloudWatch Logs')).toBeCloseTo(0.5, 10);
    expect(line('Data transfer')).toBeCloseTo(0.09, 10);
    expect(report.totalDollars).toBeCloseTo(report.sesDollars + report.infraDollars, 10);
    expect(report.infraShare).toBeCloseTo(report.infraDollars / report.totalDollars, 10);
  });

  it('adds and scales usage stage by stage', () => {
    const stage: Usage = { ...noUsage, emails: 1, writeUnits: 8, lambdaInvocations: 0.1 };

    const total = addUsage(emailsOnly, scaleUsage(stage, 5));

    expect(total.emails).toBe(12);
    expect(total.writeUnits).toBe(40);
    expect(total.lambdaInvocations).toBeCloseTo(0.5, 10);
    expect(total.readUnits).toBe(0);
  });

  it('counts only the SES events of each email that the configuration set publishes', () => {
    expect(eventsPerEmail()).toEqual(['Delivery']);
    expect(eventsPerEmail(['Send', 'Delivery', 'Bounce'])).toEqual(['Send', 'Delivery']);
    expect(eventsPerEmail(['Bounce', 'Complaint'])).toEqual([]);
  });
});

describe('fixed monthly cost, counted in the synthesized template', () => {
  let lines: CostLine[];
  beforeAll(() => {
    lines = fixedMonthlyOf(synthTemplate(defaultConfig()));
  }, 180_000);

  it('stays under US$3 a month with the default configuration', () => {
    expect(sumDollars(lines)).toBeLessThan(FIXED_MONTHLY_TARGET_DOLLARS);
  });

  it('prices what the default stack holds: its secrets, alarms, the guard metric, no dashboard', () => {
    const quantity = (prefix: string) => lines.find((l) => l.item.startsWith(prefix))?.quantity;
    expect(quantity('Secrets Manager')).toBe(2);
    expect(quantity('CloudWatch alarms')).toBeGreaterThanOrEqual(10);
    expect(quantity('CloudWatch custom metrics')).toBe(1);
    expect(quantity('CloudWatch dashboards')).toBeUndefined();
    expect(quantity('SQS long polling')).toBeGreaterThan(0);
  });

  it('counts every priced resource type, each alarm by the metrics it reads', () => {
    const template: CfnTemplate = {
      Resources: {
        a: { Type: 'AWS::SecretsManager::Secret', Properties: {} },
        b: { Type: 'AWS::KMS::Key', Properties: {} },
        c: { Type: 'AWS::CloudWatch::Dashboard', Properties: { DashboardBody: 'MetricName=\\"sent\\"' } },
        d: { Type: 'AWS::CloudWatch::Alarm', Properties: { Namespace: 'AWS/SQS', MetricName: 'Age' } },
        e: {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: {
            Metrics: [
              { Id: 'm1', MetricStat: { Metric: { Namespace: 'Course', MetricName: 'guardPaused' } } },
              { Id: 'm2', MetricStat: { Metric: { Namespace: 'Course', MetricName: 'other' } } },
              { Id: 'e1', Expression: 'm1 + m2' },
            ],
          },
        },
      },
    };

    const priced = Object.fromEntries(fixedMonthlyOf(template).map((l) => [l.item.split(' (')[0], l]));

    expect(priced['Secrets Manager secrets']?.dollars).toBeCloseTo(PRICES.secretPerMonth, 10);
    expect(priced['KMS customer managed keys']?.dollars).toBeCloseTo(PRICES.kmsKeyPerMonth, 10);
    expect(priced['CloudWatch dashboards']?.dollars).toBeCloseTo(PRICES.dashboardPerMonth, 10);
    expect(priced['CloudWatch alarms']?.quantity).toBe(3);
    // The two custom metrics the alarm reads, and `sent` once per email of the course.
    expect(priced['CloudWatch custom metrics']?.quantity).toBeGreaterThan(2);
  });
});
