/**
 * What the course costs a month before anyone signs up, read from the synthesized
 * CloudFormation template: each priced resource is counted there (secrets, KMS keys,
 * dashboards, alarms and the metrics they read, the schedule, the SQS event sources'
 * idle polling, the table), so a resource added to the stack shows up in the figure.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { TABLE } from '../functions/contract.js';
import { course } from '../functions/core/course.js';
import { type CourseConfig, parseConfig } from '../infra/config.js';
import { createCourseApp } from '../infra/course-app.js';
import { type CostLine, LAMBDA_MEMORY_MB, PRICES, type Prices } from './cost.js';

/** The fixed cost the default configuration must stay under (BENCHMARKS.md target). */
export const FIXED_MONTHLY_TARGET_DOLLARS = 3;

/** The repository's course.config.json, validated: the configuration a clinic starts from. */
export function defaultConfig(overrides: Record<string, unknown> = {}): CourseConfig {
  const raw = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'course.config.json'), 'utf8'));
  return parseConfig({ ...raw, ...overrides }, 'course.config.json');
}

/** The course stack's template for `config`, as `cdk synth` writes it (cdk-nag included). */
export function synthTemplate(config: CourseConfig): CfnTemplate {
  const { stack } = createCourseApp(config);
  return Template.fromStack(stack).toJSON() as CfnTemplate;
}

// biome-ignore lint/suspicious/noExplicitAny: template JSON has no static type
type Cfn = any;
export interface CfnTemplate {
  readonly Resources: Record<string, { Type: string; Properties?: Cfn }>;
}

const MINUTES_PER_MONTH = 30 * 24 * 60;
/** Lambda's SQS pollers per event source while the queue is empty, each a 20 s long poll. */
const IDLE_POLLERS = 5;
const LONG_POLL_SECONDS = 20;
/** One sweep with nothing due: a short invocation and one index query per shard. */
const SWEEP_MS = 100;
/** Metrics the functions publish with an `email` dimension (one metric per email each). */
const PER_EMAIL_METRICS = new Set(['sent', 'sendFailed', 'delivered', 'opened', 'clicked']);
/** Subscribers whose records the storage line prices. */
const KEPT_SUBSCRIBERS = 1000;
const RECORD_BYTES = 2048;

/** The metrics one alarm reads (each billed as an alarm metric) and their identities. */
function alarmMetrics(alarm: Cfn): string[] {
  const one = (m: Cfn) => JSON.stringify([m.Namespace, m.MetricName, m.Dimensions ?? []]);
  if (alarm.MetricName) return [one(alarm)];
  return (alarm.Metrics ?? []).filter((m: Cfn) => m.MetricStat).map((m: Cfn) => one(m.MetricStat.Metric));
}

/** `rate(5 minutes)` -> runs a month. */
function runsPerMonth(expression: string): number {
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (!match) throw new Error(`Unpriced schedule: ${expression}`);
  const minutes =
    Number(match[1]) * (match[2]?.startsWith('hour') ? 60 : match[2]?.startsWith('day') ? 1440 : 1);
  return MINUTES_PER_MONTH / minutes;
}

/**
 * The monthly lines for a template. Custom metrics: those an alarm reads, and with a
 * dashboard every metric its SEARCH expressions graph (the functions then publish all
 * of them; per-email ones once per email of the course).
 */
export function fixedMonthlyOf(template: CfnTemplate, prices: Prices = PRICES): CostLine[] {
  const all = Object.values(template.Resources);
  const ofType = (type: string) => all.filter((r) => r.Type === type).map((r) => r.Properties ?? {});
  const lines: CostLine[] = [];
  const add = (item: string, quantity: number, unit: string, each: number) => {
    if (quantity > 0) lines.push({ item, quantity, unit, dollars: quantity * each });
  };

  add(
    'Secrets Manager secrets',
    ofType('AWS::SecretsManager::Secret').length,
    'secrets',
    prices.secretPerMonth,
  );
  add('KMS customer managed keys', ofType('AWS::KMS::Key').length, 'keys', prices.kmsKeyPerMonth);
  const dashboards = ofType('AWS::CloudWatch::Dashboard');
  add('CloudWatch dashboards', dashboards.length, 'dashboards', prices.dashboardPerMonth);

  const alarms = ofType('AWS::CloudWatch::Alarm');
  const alarmMetricCount = alarms.reduce((sum, alarm) => sum + alarmMetrics(alarm).length, 0);
  add(`CloudWatch alarms (${alarms.length})`, alarmMetricCount, 'alarm metrics', prices.alarmPerMonth);

  const custom = new Set(
    alarms.flatMap(alarmMetrics).filter((id) => !(JSON.parse(id) as string[])[0]?.startsWith('AWS/')),
  );
  let count = custom.size;
  if (dashboards.length > 0) {
    const body = JSON.stringify(dashboards.map((d) => d.DashboardBody));
    const graphed = new Set([...body.matchAll(/MetricName=\\+"(\w+)\\+"/g)].map((m) => m[1] as string));
    // Opens and clicks exist only where the configuration set publishes them (tracking on).
    const published = JSON.stringify(ofType('AWS::SES::ConfigurationSetEventDestination')).toLowerCase();
    for (const [metric, event] of [
      ['opened', '"open"'],
      ['clicked', '"click"'],
    ] as const) {
      if (!published.includes(event)) graphed.delete(metric);
    }
    const emails = course.sequence.length;
    count += [...graphed].reduce((sum, name) => sum + (PER_EMAIL_METRICS.has(name) ? emails : 1), 0);
  }
  add('CloudWatch custom metrics', count, 'metrics', prices.customMetricPerMonth);

  for (const rule of ofType('AWS::Events::Rule').filter((r) => r.ScheduleExpression)) {
    const runs = runsPerMonth(rule.ScheduleExpression);
    const each =
      prices.lambdaPerRequest +
      (SWEEP_MS / 1000) * (LAMBDA_MEMORY_MB / 1024) * prices.lambdaPerGbSecond +
      TABLE.defaultDueShards * 0.5 * prices.dynamoPerReadUnit;
    add(
      `Schedule ${rule.ScheduleExpression}: a sweep, ${TABLE.defaultDueShards} index queries`,
      runs,
      'runs',
      each,
    );
  }

  const sources = ofType('AWS::Lambda::EventSourceMapping').length;
  const polls = sources * IDLE_POLLERS * (60 / LONG_POLL_SECONDS) * MINUTES_PER_MONTH;
  add(`SQS long polling of ${sources} idle event sources`, polls, 'requests', prices.sqsPerRequest);

  for (const table of ofType('AWS::DynamoDB::Table')) {
    const gb = (KEPT_SUBSCRIBERS * RECORD_BYTES) / 1024 ** 3;
    const pitr = table.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled
      ? prices.pitrPerGbMonth
      : 0;
    add(
      'DynamoDB storage and PITR per 1,000 subscribers kept',
      gb,
      'GB',
      prices.dynamoStoragePerGbMonth + pitr,
    );
  }
  return lines;
}

export const sumDollars = (lines: readonly CostLine[]): number => lines.reduce((s, l) => s + l.dollars, 0);
