import { Aws, Duration, Validations } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { GUARD_METRIC_SERVICE, METRIC } from '../../functions/contract.js';

/** SES account reputation limits past which AWS reviews (and may pause) sending. */
export const SES_LIMITS = { bounceRate: 0.02, complaintRate: 0.0005 } as const;

/** Properties of {@link Monitoring}. */
export interface MonitoringProps {
  readonly metricsNamespace: string;
  /** Every function of the course by a short name, for error graphs and alarms. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /** The name in `functions` of the one behind the API: its failures are alarmed as the stage's 5xx. */
  readonly apiFunction: string;
  readonly queue: sqs.IQueue;
  readonly deadLetterQueue: sqs.IQueue;
  /** Mail events the mail-events function failed on five times. */
  readonly mailEventsDeadLetterQueue: sqs.IQueue;
  /** Mail events EventBridge could not put on their queue. */
  readonly undeliveredEventsQueue: sqs.IQueue;
  readonly apiStage: apigw.IHttpStage;
  /** The sweep function and how often its schedule runs it. */
  readonly sweep: { readonly fn: lambda.IFunction; readonly every: Duration };
  /** Address every alarm notifies (and its return to OK). */
  readonly alarmEmail: string;
  /**
   * Build the CloudWatch dashboard (US$3 a month beyond an account's first three; its
   * graphs need every metric published, US$0.30 a month each). @default false
   */
  readonly dashboard?: boolean;
}

/** Oldest send request allowed to wait before someone should look: lessons are late by then. */
export const SEND_QUEUE_MAX_AGE = Duration.minutes(15);

/**
 * Alarms, each sent to the owner's address, and optionally the course dashboard. No
 * alarm on Lambda throttles: a throttled function shows as what it delays (the queue's
 * age, the sweep not running, the API's 5xx), each alarmed; nor on the api function's
 * errors, which reach visitors as the 5xx its own alarm counts.
 */
export class Monitoring extends Construct {
  readonly dashboard?: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    if (props.dashboard) this.dashboard = this.buildDashboard(props);
    this.addAlarms(props);

    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'Email course alarms',
      enforceSSL: true,
    });
    const subscription = new sns.Subscription(this, 'AlarmEmail', {
      topic: this.topic,
      protocol: sns.SubscriptionProtocol.EMAIL,
      endpoint: props.alarmEmail,
    });
    Validations.of(subscription).acknowledge({
      id: 'Serverless::Serverless-SNSRedrivePolicy',
      reason:
        'An email subscription: a notification SNS cannot deliver would sit unread in a DLQ as well; each alarm also stays visible in the console until OK.',
    });
    // enforceSSL writes a topic policy, which replaces SNS's default one that let the
    // account's alarms publish; without this statement every notification is refused.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          ArnLike: { 'aws:SourceArn': this.alarms.map((alarm) => alarm.alarmArn) },
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        },
      }),
    );
    const action = new actions.SnsAction(this.topic);
    for (const alarm of this.alarms) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
  }

  /** Console link to the dashboard, when there is one. */
  get dashboardUrl(): string | undefined {
    if (!this.dashboard) return undefined;
    return `https://${Aws.REGION}.console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards:name=${this.dashboard.dashboardName}`;
  }

  private buildDashboard(props: MonitoringProps): cloudwatch.Dashboard {
    const hour = Duration.hours(1);

    // SEARCH finds the metric whatever dimensions Powertools added (each handler's
    // `service`, and `email` for per-lesson counts), so graphs need no dimension list.
    const search = (metricName: string) =>
      `SEARCH('Namespace="${props.metricsNamespace}" MetricName="${metricName}"', 'Sum', ${hour.toSeconds()})`;
    const expression = (text: string, label: string) =>
      new cloudwatch.MathExpression({ expression: text, label, period: hour, usingMetrics: {} });
    /** One line, all dimensions added up. */
    const course = (metricName: string, label: string) => expression(`SUM(${search(metricName)})`, label);
    /** One line per email of the course, labelled with it (a CloudWatch dynamic label). */
    const perEmail = (metricName: string) =>
      // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudWatch's own placeholder syntax
      expression(search(metricName), "${PROP('Dim.email')}");
    const ses = (metricName: string, label?: string) => sesMetric(metricName, label);

    const dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(14),
    });
    const wide = { width: 12, height: 6 };
    const m = METRIC;
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        ...wide,
        title: 'Sign-ups, confirmations, completions (per hour)',
        left: [
          course(m.signedUp, 'signed up'),
          course(m.confirmed, 'confirmed'),
          course(m.completed, 'completed'),
          course(m.unsubscribed, 'unsubscribed'),
        ],
      }),
      new cloudwatch.GraphWidget({
        ...wide,
        title: 'Emails sent per lesson (per hour)',
        left: [perEmail(m.sent)],
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        ...wide,
        title: 'Delivered, opened, clicked (all emails, per hour)',
        left: [course(m.delivered, 'delivered'), course(m.opened, 'opened'), course(m.clicked, 'clicked')],
      }),
      new cloudwatch.GraphWidget({
        ...wide,
        title: 'Bounces, complaints, failed sends (per hour)',
        left: [
          course(m.bounced, 'bounced'),
          course(m.complained, 'complained'),
          course(m.transientBounces, 'soft bounces'),
        ],
        right: [course(m.sendFailed, 'send failed'), course(m.sendPaused, 'SES paused')],
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        ...wide,
        title: 'SES reputation (account)',
        left: [
          ses('Reputation.BounceRate', 'bounce rate'),
          ses('Reputation.ComplaintRate', 'complaint rate'),
        ],
        leftAnnotations: [
          { value: SES_LIMITS.bounceRate, label: 'bounce alarm' },
          { value: SES_LIMITS.complaintRate, label: 'complaint alarm' },
        ],
      }),
      new cloudwatch.GraphWidget({
        ...wide,
        title: 'Function errors',
        left: Object.entries(props.functions).map(([name, fn]) =>
          fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum', label: name }),
        ),
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        ...wide,
        title: 'Send queue',
        left: [
          props.queue.metricApproximateNumberOfMessagesVisible({ label: 'waiting' }),
          props.queue.metricApproximateNumberOfMessagesNotVisible({ label: 'in flight' }),
          course(m.queued, 'queued by the sweep'),
        ],
        right: [props.queue.metricApproximateAgeOfOldestMessage({ label: 'oldest (s)' })],
      }),
      new cloudwatch.GraphWidget({
        ...wide,
        title: 'Dead-letter queue (sends that kept failing)',
        left: [props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ label: 'messages' })],
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        width: 24,
        height: 6,
        title: 'Sign-up API requests',
        left: [
          props.apiStage.metricCount({ period: Duration.minutes(5), statistic: 'Sum', label: 'requests' }),
        ],
        right: [
          props.apiStage.metricClientError({ period: Duration.minutes(5), statistic: 'Sum', label: '4xx' }),
          props.apiStage.metricServerError({ period: Duration.minutes(5), statistic: 'Sum', label: '5xx' }),
        ],
      }),
    );

    return dashboard;
  }

  private addAlarms(props: MonitoringProps): void {
    const fiveMinutes = { period: Duration.minutes(5), statistic: 'Sum' } as const;
    const ses = sesMetric;
    const notEmpty = (queue: sqs.IQueue) =>
      queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' });
    this.addAlarm('DeadLetters', {
      metric: notEmpty(props.deadLetterQueue),
      threshold: 1,
      description:
        'Sends failed five times and wait in the dead-letter queue (docs/operating.md: the dashboard and the alarms).',
    });
    this.addAlarm('MailEventDeadLetters', {
      metric: notEmpty(props.mailEventsDeadLetterQueue),
      threshold: 1,
      description:
        'SES events (bounces, complaints, deliveries) failed five times and wait in the mail-events dead-letter queue; see the mail-events log group.',
    });
    this.addAlarm('UndeliveredMailEvents', {
      metric: notEmpty(props.undeliveredEventsQueue),
      threshold: 1,
      description:
        'EventBridge could not put SES events on the mail-events queue; they wait in its dead-letter queue.',
    });
    this.addAlarm('SendQueueAge', {
      metric: props.queue.metricApproximateAgeOfOldestMessage({
        period: Duration.minutes(5),
        statistic: 'Maximum',
      }),
      threshold: SEND_QUEUE_MAX_AGE.toSeconds(),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      description: 'A send request has waited over 15 minutes: the sender is failing, throttled or paused.',
    });
    for (const [name, fn] of Object.entries(props.functions)) {
      if (name === props.apiFunction) continue;
      this.addAlarm(`${name}Errors`, {
        metric: fn.metricErrors(fiveMinutes),
        threshold: 1,
        description: `The ${name} function failed; see its log group.`,
      });
    }
    // Three missed runs in a row: one may be skipped by EventBridge, three means the
    // schedule or the function is broken. No data at all (nothing ran) is breaching too.
    const sweepWindow = Duration.minutes(Math.min(props.sweep.every.toMinutes() * 3, 24 * 60));
    this.addAlarm('SweepNotRunning', {
      metric: props.sweep.fn.metricInvocations({ period: sweepWindow, statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      description: 'The sweep has not run for three of its intervals: no lesson is being queued.',
    });
    // The api function turns its own failures into error pages, so its Errors metric
    // stays at zero when sign-ups break; the stage's 5xx count does not.
    this.addAlarm('ApiServerErrors', {
      metric: props.apiStage.metricServerError(fiveMinutes),
      threshold: 1,
      description: 'The sign-up API answered with a server error (5xx); see the api function’s log group.',
    });
    this.addAlarm('BounceRate', {
      metric: ses('Reputation.BounceRate'),
      threshold: SES_LIMITS.bounceRate,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      description: 'SES bounce rate over 2%; AWS reviews accounts at 5% and may pause sending at 10%.',
    });
    this.addAlarm('ComplaintRate', {
      metric: ses('Reputation.ComplaintRate'),
      threshold: SES_LIMITS.complaintRate,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      description:
        'SES complaint rate over 0.05%; AWS reviews accounts at 0.1% and may pause sending at 0.5%.',
    });
    const guardPeriod = Duration.minutes(Math.max(5, props.sweep.every.toMinutes()));
    // Published when the guard trips and by every sweep while it holds, so the alarm
    // stays raised until the owner resumes (a sweep interval is at most an hour).
    this.addAlarm('LessonsPaused', {
      // Every publisher uses one service dimension, so this is one metric.
      metric: new cloudwatch.Metric({
        namespace: props.metricsNamespace,
        metricName: METRIC.guardPaused,
        dimensionsMap: { service: GUARD_METRIC_SERVICE },
        statistic: 'Sum',
        period: guardPeriod,
      }),
      threshold: 1,
      description:
        'The reputation guard paused lesson sending (bounce or complaint rate too high). Run `npm run course -- status`, fix the cause, then `npm run course -- resume` (docs/operating.md).',
    });
  }

  private addAlarm(
    id: string,
    props: { metric: cloudwatch.IMetric } & Pick<
      cloudwatch.CreateAlarmOptions,
      'threshold' | 'comparisonOperator' | 'treatMissingData'
    > & { description: string },
  ): void {
    this.alarms.push(
      new cloudwatch.Alarm(this, id, {
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: props.treatMissingData ?? cloudwatch.TreatMissingData.NOT_BREACHING,
        metric: props.metric,
        threshold: props.threshold,
        alarmDescription: props.description,
        ...(props.comparisonOperator ? { comparisonOperator: props.comparisonOperator } : {}),
      }),
    );
  }
}

const sesMetric = (metricName: string, label?: string) =>
  new cloudwatch.Metric({
    namespace: 'AWS/SES',
    metricName,
    statistic: 'Maximum',
    period: Duration.hours(1),
    ...(label ? { label } : {}),
  });
