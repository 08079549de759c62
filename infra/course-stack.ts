import { join } from 'node:path';
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ENV } from '../functions/contract.js';
import { courseModuleOf, LAMBDA_ENTRIES, REPO_ROOT } from './bundling.js';
import type { CourseConfig } from './config.js';
import type { FunctionDefaults, SettingsEnvironment } from './constructs/course-function.js';
import { DripEngine } from './constructs/drip-engine.js';
import { LinkSecret } from './constructs/link-secret.js';
import { MailEvents } from './constructs/mail-events.js';
import { Monitoring } from './constructs/monitoring.js';
import { PseudonymSecret } from './constructs/pseudonym-secret.js';
import { SignupApi } from './constructs/signup-api.js';
import { SubscriberTable } from './constructs/subscriber-table.js';

/** CloudWatch namespace of a course stack's own metrics: its name, so two courses count apart. */
export const metricsNamespaceOf = (stackName: string): string => stackName;

/** Logical ID of the subscriber table; changing it would replace the table with an empty one. */
export const SUBSCRIBER_TABLE_LOGICAL_ID = 'SubscriberTable';

/** Properties of {@link CourseStack}. */
export interface CourseStackProps extends StackProps {
  readonly config: CourseConfig;
}

/** The whole email course in one stack, environment-agnostic (account and region come from the deploy). */
export class CourseStack extends Stack {
  readonly subscribers: SubscriberTable;
  readonly mail: MailEvents;
  readonly drip: DripEngine;
  readonly api: SignupApi;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: CourseStackProps) {
    super(scope, id, props);
    const { config } = props;
    const entry = (file: string) => join(REPO_ROOT, file);

    this.subscribers = new SubscriberTable(this, 'Subscribers');
    this.subscribers.pinLogicalId(SUBSCRIBER_TABLE_LOGICAL_ID);
    const table = this.subscribers.table;
    const linkSecret = new LinkSecret(this, 'LinkKeys').secret;
    const pseudonymSecret = new PseudonymSecret(this, 'PseudonymKey').secret;

    const functionDefaults: FunctionDefaults = {
      metricsNamespace: metricsNamespaceOf(this.stackName),
      logRetention: config.logRetentionDays as logs.RetentionDays,
      publishedMetrics: config.dashboard ? 'all' : 'alarms',
      courseModule: courseModuleOf(config.course),
    };
    const settings: SettingsEnvironment = {
      [ENV.fromAddress]: config.senderAddress,
      [ENV.fromName]: config.senderName,
      [ENV.replyTo]: config.replyTo,
      [ENV.clinicName]: config.clinicName,
      [ENV.postalAddress]: config.postalAddress,
      [ENV.siteUrl]: config.siteUrl,
      [ENV.bookingUrl]: config.bookingUrl,
      [ENV.allowedOrigins]: config.allowedOrigins.join(','),
      [ENV.sendHour]: String(config.sendHour),
      [ENV.defaultTimeZone]: config.defaultTimeZone,
      // The brand: every page and email shows what is set.
      [ENV.logoUrl]: config.logoUrl,
      ...(config.logoUrl
        ? { [ENV.logoWidth]: String(config.logoWidth), [ENV.logoHeight]: String(config.logoHeight) }
        : {}),
      [ENV.accentColor]: config.accentColor,
      [ENV.phone]: config.phone,
      [ENV.practitioner]: config.practitioner,
      [ENV.privacyPolicyUrl]: config.privacyPolicyUrl,
    };

    this.mail = new MailEvents(this, 'Mail', {
      entry: entry(LAMBDA_ENTRIES.mailEvents),
      functionDefaults,
      table,
      pseudonymSecret,
      senderAddress: config.senderAddress,
      identityDomain: config.sesIdentityDomain,
      existingIdentity: config.existingSesIdentity,
      mailFromSubdomain: config.mailFromSubdomain,
      trackOpensAndClicks: config.trackOpensAndClicks,
      clickTrackingDomain: config.clickTrackingDomain,
      sandboxRecipients: config.sandboxRecipients,
    });

    this.drip = new DripEngine(this, 'Drip', {
      sweepEntry: entry(LAMBDA_ENTRIES.sweep),
      senderEntry: entry(LAMBDA_ENTRIES.sender),
      functionDefaults,
      settings,
      table,
      linkSecret,
      sending: this.mail,
      sweepEvery: Duration.minutes(config.sweepMinutes),
      maxSendRate: config.maxSendRate,
      senderMaxConcurrency: config.senderMaxConcurrency,
    });

    this.api = new SignupApi(this, 'Api', {
      entry: entry(LAMBDA_ENTRIES.api),
      functionDefaults,
      settings,
      table,
      linkSecret,
      pseudonymSecret,
      queue: this.drip.queue,
      sending: this.mail,
      throttle: config.apiThrottle,
      allowedOrigins: config.allowedOrigins,
      publicBaseUrl: config.publicBaseUrl,
      customDomain: config.customDomain,
      accessLogRetention: config.logRetentionDays as logs.RetentionDays,
    });
    this.api.handler.bindValues({
      [ENV.signupClientLimit]: String(config.signupsPerClient),
      [ENV.signupClientWindowMinutes]: String(config.signupWindowMinutes),
      [ENV.mailboxDailyCap]: String(config.confirmationsPerMailboxPerDay),
    });
    // Every function that writes a finished record sets its expiry from this.
    const retention = { [ENV.retentionDays]: String(config.retentionDays) };
    this.api.handler.bindValues(retention);
    this.drip.sender.bindValues(retention);
    this.mail.handler.bindValues(retention);
    // The sign-up page's privacy line says whether opens and clicks are tracked.
    this.api.handler.bindValues({ [ENV.trackOpensAndClicks]: String(config.trackOpensAndClicks) });
    // Links in lessons point at the API; only the API's own function cannot be told its URL.
    this.drip.sender.bindValues({ [ENV.publicBaseUrl]: this.api.baseUrl });

    this.monitoring = new Monitoring(this, 'Monitoring', {
      metricsNamespace: functionDefaults.metricsNamespace,
      dashboard: config.dashboard,
      apiFunction: 'api',
      functions: {
        api: this.api.handler.fn,
        sweep: this.drip.sweep.fn,
        sender: this.drip.sender.fn,
        mailEvents: this.mail.handler.fn,
      },
      queue: this.drip.queue,
      deadLetterQueue: this.drip.deadLetterQueue,
      mailEventsDeadLetterQueue: this.mail.deadLetterQueue,
      undeliveredEventsQueue: this.mail.ruleDeadLetterQueue,
      apiStage: this.api.stage,
      sweep: { fn: this.drip.sweep.fn, every: Duration.minutes(config.sweepMinutes) },
      alarmEmail: config.alarmEmail,
    });

    new CfnOutput(this, 'SignupUrl', { value: this.api.signupUrl, description: 'The hosted sign-up page' });
    new CfnOutput(this, 'ApiUrl', {
      value: this.api.baseUrl,
      description: 'Public URL of the API: the custom domain when set, else the execute-api URL',
    });
    if (this.monitoring.dashboardUrl) {
      new CfnOutput(this, 'DashboardUrl', {
        value: this.monitoring.dashboardUrl,
        description: 'CloudWatch dashboard',
      });
    }
    new CfnOutput(this, 'TableName', { value: table.tableName, description: 'Subscriber table (admin CLI)' });
    new CfnOutput(this, 'QueueUrl', {
      value: this.drip.queue.queueUrl,
      description: 'Send queue (admin CLI)',
    });
    new CfnOutput(this, 'MailEventsDeadLetterQueueUrl', {
      value: this.mail.deadLetterQueue.queueUrl,
      description: 'SES events the mail-events function kept failing on (redrive after a fix)',
    });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      value: this.drip.deadLetterQueue.queueUrl,
      description: 'Sends that kept failing (admin CLI)',
    });
    // Read by the admin CLI (`npm run course -- <command> --stack <name>`).
    new CfnOutput(this, 'SenderAddress', {
      value: config.senderAddress,
      description: 'From address of the course',
    });
    new CfnOutput(this, 'ConfigurationSetName', {
      value: this.mail.configurationSetName,
      description: 'SES configuration set every course email goes through',
    });
    new CfnOutput(this, 'LinkSecretArn', {
      value: linkSecret.secretArn,
      description: 'Secrets Manager secret with the link-signing keys (rotate: see docs/deploying.md)',
    });
    new CfnOutput(this, 'PseudonymSecretArn', {
      value: pseudonymSecret.secretArn,
      description: 'Secrets Manager secret with the key of the subscriber ids (never rotate it)',
    });
    this.dnsRecordOutputs(config);
  }

  /**
   * The DNS records the owner adds by hand, one output each, in zone-file shape: the
   * domain's DKIM CNAMEs, the MAIL FROM MX and SPF TXT, a DMARC record to start from
   * (reports only, `p=none`, to the alarm address), the custom domain's CNAME when the
   * stack does not manage its zone, and the click-tracking CNAME.
   */
  private dnsRecordOutputs(config: CourseConfig): void {
    const record = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    const identity = this.mail.identity;
    if (identity && config.sesIdentityDomain) {
      identity.dkimRecords.forEach((dkim, i) => {
        record(
          `DkimRecord${i + 1}`,
          `${dkim.name} CNAME ${dkim.value}`,
          'Easy DKIM record to add to the domain’s DNS',
        );
      });
      if (config.mailFromSubdomain) {
        const mailFrom = `${config.mailFromSubdomain}.${config.sesIdentityDomain}`;
        record(
          'MailFromMxRecord',
          `${mailFrom} MX 10 feedback-smtp.${this.region}.amazonses.com`,
          'MAIL FROM: bounces return here',
        );
        record(
          'MailFromSpfRecord',
          `${mailFrom} TXT "v=spf1 include:amazonses.com ~all"`,
          'MAIL FROM: SPF, so DMARC aligns',
        );
      }
      record(
        'DmarcRecordSuggestion',
        `_dmarc.${config.sesIdentityDomain} TXT "v=DMARC1; p=none; rua=mailto:${config.alarmEmail}"`,
        'A DMARC policy to start with (reports only); tighten to p=quarantine once reports are clean. Skip if the domain has one.',
      );
    }
    const custom = config.customDomain;
    if (custom && 'certificateArn' in custom && this.api.domain) {
      record(
        'CustomDomainRecord',
        `${custom.domainName} CNAME ${this.api.domain.regionalDomainName}`,
        'Points the course’s domain at the API',
      );
    }
    if (config.trackOpensAndClicks && config.clickTrackingDomain) {
      record(
        'ClickTrackingRecord',
        `${config.clickTrackingDomain} CNAME r.${this.region}.awstrack.me`,
        'Custom domain of SES’s click-tracking links',
      );
    }
  }
}
