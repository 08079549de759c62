import { join } from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV, type EnvName, TABLE } from '../../functions/contract.js';
import { BUNDLING, REPO_ROOT } from '../bundling.js';
import { grantDueIndexQuery, grantRecordAccess } from './subscriber-table.js';

/** What a function needs to send course email: the configuration set and a narrow grant. */
export interface MailSending {
  readonly configurationSetName: string;
  /** Allows `ses:SendEmail` from the course's identity through its configuration set, nothing else. */
  grantSendEmail(grantee: iam.IGrantable): iam.Grant;
}

/** Properties of a {@link CourseFunction}. */
export interface CourseFunctionProps {
  /** Absolute path of the handler file; it exports `handler`. */
  readonly entry: string;
  /** What the function does, shown in the Lambda console. */
  readonly description: string;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** How long CloudWatch keeps the function's logs. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** Active X-Ray tracing (adds a wildcard-resource X-Ray statement). @default false */
  readonly tracing?: boolean;
  /**
   * The function's part of its Powertools service name, e.g. `drip-sender`; the stack's
   * name goes in front, so two courses in one account log and count apart.
   */
  readonly serviceName: string;
  /** CloudWatch namespace for Powertools Metrics. */
  readonly metricsNamespace: string;
  /** `all` metrics (the dashboard reads them) or only those an alarm reads. @default 'alarms' */
  readonly publishedMetrics?: 'all' | 'alarms';
  /** The compiled course module bundled as `#course` (courseModuleOf). @default the locally chosen course */
  readonly courseModule?: string;
}

/**
 * The house Lambda function: Node.js 24 on arm64, bundled locally with esbuild (no
 * Docker) into one minified ES module that carries its own AWS SDK and its source map,
 * an explicit log group with retention, and a role that may write only to that log group.
 *
 * The source map ships with the code but Node.js applies it only with
 * `NODE_OPTIONS=--enable-source-maps`, which is left off: reading the map costs every
 * cold start 10-35 ms (BENCHMARKS.md, bundles). To read a stack trace, set that variable
 * on the function for the investigation, or map the trace offline with the `.map` file.
 */
export class CourseFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;
  /** Its Powertools service: the `service` dimension of every metric it publishes. */
  readonly serviceName: string;

  constructor(scope: Construct, id: string, props: CourseFunctionProps) {
    super(scope, id);
    this.serviceName = `${Stack.of(this).stackName}-${props.serviceName}`;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      // Logs hold no course data worth keeping after the stack is gone.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // Own role instead of AWSLambdaBasicExecutionRole: that managed policy lets the
    // function write to every log group in the account.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: props.description,
    });
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    this.fn = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      role: this.role,
      logGroup: this.logGroup,
      // JSON logs, so Lambda can drop its own START, END and REPORT lines (INFO): they
      // were a third of the log bytes, and Duration, Errors and Throttles are metrics anyway.
      loggingFormat: lambda.LoggingFormat.JSON,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      tracing: props.tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      environment: {
        POWERTOOLS_SERVICE_NAME: this.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace,
        [ENV.publishedMetrics]: props.publishedMetrics ?? 'alarms',
      },
      bundling: {
        forceDockerBundling: false,
        bundleAwsSDK: true,
        externalModules: [],
        target: BUNDLING.target,
        format: OutputFormat.ESM,
        minify: BUNDLING.minify,
        sourceMap: BUNDLING.sourceMap,
        sourcesContent: BUNDLING.sourcesContent,
        mainFields: [...BUNDLING.mainFields],
        banner: BUNDLING.banner,
        ...(props.courseModule ? { esbuildArgs: { '--alias:#course': props.courseModule } } : {}),
      },
    });

    if (!props.tracing) {
      Validations.of(this.fn).acknowledge({
        id: 'Serverless::Serverless-LambdaTracing',
        reason:
          'X-Ray is opt-in (FunctionDefaults.tracing): each function is one hop to DynamoDB, SES or SQS and logs every request with Powertools; traces would add cost a clinic-sized course does not need.',
      });
    }
    if (props.tracing) {
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray PutTraceSegments/PutTelemetryRecords accept no resource other than "*".',
      });
    }
  }

  // Each bind adds a variable the function reads (functions/wiring.ts) together with the
  // grant that makes it usable, so a function gets only what it needs.

  /** Sets variables that need no grant (settings, URLs). */
  bindValues(values: Partial<Record<EnvName, string>>): this {
    for (const [name, value] of Object.entries(values)) {
      if (value !== undefined) this.fn.addEnvironment(name, value);
    }
    return this;
  }

  /**
   * The subscriber table: `records` reads and writes single items, `due-index` only
   * queries the due index (the sweep).
   */
  bindTable(table: dynamodb.ITable, access: 'records' | 'due-index'): this {
    this.bindValues({ [ENV.tableName]: table.tableName, [ENV.dueShards]: String(TABLE.defaultDueShards) });
    if (access === 'records') grantRecordAccess(table, this.fn);
    else grantDueIndexQuery(table, this.fn);
    return this;
  }

  /** The send queue, to put send requests on. */
  bindSendQueue(queue: sqs.IQueue): this {
    this.bindValues({ [ENV.queueUrl]: queue.queueUrl });
    queue.grantSendMessages(this.fn);
    return this;
  }

  /** The link-signing keys' secret, read only. */
  bindLinkSecret(secret: secretsmanager.ISecret): this {
    this.bindValues({ [ENV.linkSecretId]: secret.secretArn });
    secret.grantRead(this.fn);
    return this;
  }

  /** The subscriber ids' key secret, read only. */
  bindPseudonymSecret(secret: secretsmanager.ISecret): this {
    this.bindValues({ [ENV.pseudonymSecretId]: secret.secretArn });
    secret.grantRead(this.fn);
    return this;
  }

  /** Sending course email through the configuration set. */
  bindSending(sending: MailSending): this {
    this.bindValues({ [ENV.configurationSet]: sending.configurationSetName });
    sending.grantSendEmail(this.fn);
    return this;
  }
}

/** Settings every function of the stack shares; the stack passes them to each construct. */
export type FunctionDefaults = Pick<
  CourseFunctionProps,
  'logRetention' | 'tracing' | 'metricsNamespace' | 'publishedMetrics' | 'courseModule'
>;

/** Variables that carry the clinic's settings, by their contract names. */
export type SettingsEnvironment = Partial<Record<EnvName, string>>;
