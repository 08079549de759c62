/**
 * Which course the CLI talks to: the local stack (`npm start`) by default, or a deployed
 * stack named with `--stack`, found through its CloudFormation outputs. Also builds the
 * adapters for it and turns "cannot reach it" into one clear message.
 */
import {
  type CloudFormationClient,
  DescribeStacksCommand,
  ListStackResourcesCommand,
} from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { GuardStore, Mailer, SubscriberStore } from '../../functions/core/ports.js';
import type { CourseSettings } from '../../functions/core/settings.js';
import { sesMailer, subscriberStore } from '../../functions/wiring.js';
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  LOCAL_TABLE_NAME,
  type LocalPorts,
  localEndpoints,
  localPorts,
} from '../local-config.js';
import { TargetError } from './errors.js';

/**
 * The stack outputs the CLI reads. TableName is required; the sender, configuration set
 * and link secret are optional (course.config.json and the stack's resources stand in).
 */
export const STACK_OUTPUTS = {
  tableName: 'TableName',
  queueUrl: 'QueueUrl',
  senderAddress: 'SenderAddress',
  configurationSet: 'ConfigurationSetName',
  linkSecret: 'LinkSecretArn',
  pseudonymSecret: 'PseudonymSecretArn',
  apiUrl: 'ApiUrl',
} as const;

export interface TargetOptions {
  /** CloudFormation stack name of a deployed course; absent means the local stack. */
  readonly stack?: string;
  /** AWS region of the stack; the standard chain (AWS_REGION, profile) otherwise. */
  readonly region?: string;
}

interface TargetBase {
  /** Names the target in messages, e.g. "stack MyCourse (eu-west-1)". */
  readonly label: string;
  readonly tableName: string;
  /** Where DynamoDB is, for messages ("https://dynamodb.eu-west-1.amazonaws.com"). */
  readonly dynamoEndpoint: string;
  readonly sender: { readonly from: string; readonly configurationSet?: string };
}

export interface LocalTarget extends TargetBase {
  readonly kind: 'local';
  readonly sesEndpoint: string;
}

export interface StackTarget extends TargetBase {
  readonly kind: 'stack';
  readonly stackName: string;
  readonly region: string;
  /** The sender's queue (shown for orientation; the commands send nothing through it). */
  readonly queueUrl?: string;
  readonly linkSecretId?: string;
  readonly pseudonymSecretId?: string;
  readonly apiUrl?: string;
}

export type Target = LocalTarget | StackTarget;

/** The local stack's target, from the shared local names and its ports. */
export function localTarget(ports: LocalPorts = localPorts(), settings?: CourseSettings): LocalTarget {
  const endpoints = localEndpoints(ports);
  return {
    kind: 'local',
    label: 'the local stack',
    tableName: LOCAL_TABLE_NAME,
    dynamoEndpoint: endpoints.dynamodb,
    sesEndpoint: endpoints.ses,
    sender: { from: settings?.fromAddress ?? 'course@clinic.example' },
  };
}

/**
 * Reads a deployed stack's outputs (DescribeStacks) with the standard AWS credential
 * chain. Throws TargetError naming the stack and region when it cannot.
 */
export async function stackTarget(
  stackName: string,
  cloudFormation: CloudFormationClient,
  fallbackSender?: string,
): Promise<StackTarget> {
  const region = await resolveRegion(cloudFormation);
  const where = `stack ${stackName} (${region})`;
  let outputs: Record<string, string>;
  try {
    const { Stacks = [] } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = Stacks[0];
    if (!stack) throw new TargetError(`No stack named ${stackName} in ${region}.`);
    outputs = Object.fromEntries(
      (stack.Outputs ?? []).flatMap((o) =>
        o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [],
      ),
    );
  } catch (error) {
    throw describeAwsError(error, `Cannot read ${where} from CloudFormation`, stackName, region);
  }
  const required = (key: string) => {
    const value = outputs[key];
    if (!value)
      throw new TargetError(`${where} has no output "${key}". Is it the course stack, fully deployed?`);
    return value;
  };
  const tableName = required(STACK_OUTPUTS.tableName);
  const queueUrl = outputs[STACK_OUTPUTS.queueUrl];
  const from = outputs[STACK_OUTPUTS.senderAddress] ?? fallbackSender;
  if (!from) throw new TargetError(`${where} has no output "${STACK_OUTPUTS.senderAddress}".`);
  const configurationSet = outputs[STACK_OUTPUTS.configurationSet];
  const linkSecretId = outputs[STACK_OUTPUTS.linkSecret];
  const pseudonymSecretId = outputs[STACK_OUTPUTS.pseudonymSecret];
  const apiUrl = outputs[STACK_OUTPUTS.apiUrl];
  return {
    kind: 'stack',
    label: where,
    stackName,
    region,
    tableName,
    ...(queueUrl ? { queueUrl } : {}),
    dynamoEndpoint: `DynamoDB in ${region}`,
    sender: { from, ...(configurationSet ? { configurationSet } : {}) },
    ...(linkSecretId ? { linkSecretId } : {}),
    ...(pseudonymSecretId ? { pseudonymSecretId } : {}),
    ...(apiUrl ? { apiUrl: apiUrl.replace(/\/+$/, '') } : {}),
  };
}

/** Resources of the course stack the CLI may need when no output names them. */
export interface StackResources {
  /** ARN of the link-signing secret. */
  readonly linkSecretId?: string;
  /** ARN of the subscriber-id key secret. */
  readonly pseudonymSecretId?: string;
  /** Name of the SES configuration set that publishes mail events. */
  readonly configurationSet?: string;
}

/**
 * Finds the stack's link secret and SES configuration set among its resources (the
 * course stack has one of each). Throws TargetError when CloudFormation cannot answer.
 */
export async function findStackResources(
  cloudFormation: CloudFormationClient,
  stackName: string,
): Promise<StackResources> {
  const found: { linkSecretId?: string; pseudonymSecretId?: string; configurationSet?: string } = {};
  let NextToken: string | undefined;
  try {
    do {
      const page = await cloudFormation.send(
        new ListStackResourcesCommand({ StackName: stackName, NextToken }),
      );
      for (const r of page.StackResourceSummaries ?? []) {
        // Told apart by their construct ids (infra/course-stack.ts: LinkKeys, PseudonymKey).
        if (r.ResourceType === 'AWS::SecretsManager::Secret') {
          if (r.LogicalResourceId?.startsWith('PseudonymKey'))
            found.pseudonymSecretId ??= r.PhysicalResourceId;
          else found.linkSecretId ??= r.PhysicalResourceId;
        }
        if (r.ResourceType === 'AWS::SES::ConfigurationSet') found.configurationSet ??= r.PhysicalResourceId;
      }
      NextToken = page.NextToken;
    } while (NextToken);
  } catch (error) {
    throw describeAwsError(error, `Cannot list the resources of stack ${stackName}`, stackName);
  }
  return found;
}

async function resolveRegion(client: { config: { region: () => Promise<string> } }): Promise<string> {
  try {
    return await client.config.region();
  } catch {
    throw new TargetError('No AWS region configured: pass --region, or set AWS_REGION or a profile region.');
  }
}

const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);

/** True for "could not connect at all" errors, as the SDK surfaces them. */
export function isNetworkError(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code && networkCodes.has(code)) return true;
    if (e.name === 'TimeoutError' || e.name === 'AggregateError') {
      const inner = (e as AggregateError).errors;
      if (Array.isArray(inner) && inner.some(isNetworkError)) return true;
      if (e.name === 'TimeoutError') return true;
    }
  }
  return false;
}

/** Turns an SDK error into a TargetError with a message a clinic owner can act on. */
export function describeAwsError(error: unknown, doing: string, stackName?: string, region?: string): Error {
  if (error instanceof TargetError) return error;
  if (!(error instanceof Error)) return new TargetError(`${doing}: ${String(error)}`);
  const name = error.name;
  if (name === 'ValidationError' && /does not exist/i.test(error.message) && stackName) {
    return new TargetError(`No stack named ${stackName} in ${region}. Check --stack and --region.`, {
      cause: error,
    });
  }
  if (name === 'CredentialsProviderError' || /credential/i.test(error.message)) {
    return new TargetError(
      `${doing}: no usable AWS credentials. Configure a profile (aws configure, AWS_PROFILE) or environment credentials.`,
      { cause: error },
    );
  }
  if (
    ['ExpiredToken', 'ExpiredTokenException', 'UnrecognizedClientException', 'InvalidClientTokenId'].includes(
      name,
    )
  ) {
    return new TargetError(`${doing}: the AWS credentials were refused (${name}).`, { cause: error });
  }
  if (name === 'AccessDenied' || name === 'AccessDeniedException') {
    return new TargetError(`${doing}: access denied. ${error.message}`, { cause: error });
  }
  if (isNetworkError(error))
    return new TargetError(`${doing}: cannot connect (${errorCode(error)}).`, { cause: error });
  return new TargetError(`${doing}: ${name}: ${error.message}`, { cause: error });
}

function errorCode(error: unknown): string {
  for (let e: unknown = error; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code) return code;
    const inner = (e as AggregateError).errors;
    if (Array.isArray(inner) && inner[0] instanceof Error) return errorCode(inner[0]);
  }
  return error instanceof Error ? error.name : 'unknown error';
}

/**
 * Wraps a store so any failure to reach DynamoDB, or a missing table, becomes one
 * TargetError naming the endpoint and the target, and how to fix it.
 */
export function guardStore(
  store: SubscriberStore & GuardStore,
  target: Target,
): SubscriberStore & GuardStore {
  const hint =
    target.kind === 'local'
      ? ' Is the local stack running? Start it with `npm start` (or pass --stack NAME for a deployed course).'
      : '';
  const wrap = (error: unknown): Error => {
    if (!(error instanceof Error)) return new Error(String(error));
    if (isNetworkError(error)) {
      return new TargetError(
        `Cannot reach DynamoDB at ${target.dynamoEndpoint} for ${target.label}.${hint}`,
        {
          cause: error,
        },
      );
    }
    if (error.name === 'ResourceNotFoundException') {
      return new TargetError(
        `Table ${target.tableName} not found at ${target.dynamoEndpoint} (${target.label}).${hint}`,
        {
          cause: error,
        },
      );
    }
    if (error.name.startsWith('Conflict')) return error;
    if ('$metadata' in error || error.name === 'CredentialsProviderError') {
      return describeAwsError(error, `DynamoDB (${target.label})`);
    }
    return error;
  };
  const guarded = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      throw wrap(error);
    }
  };
  return {
    dueShards: store.dueShards,
    get: (id) => guarded(() => store.get(id)),
    put: (s, v) => guarded(() => store.put(s, v)),
    delete: (id, v) => guarded(() => store.delete(id, v)),
    listDue: (shard, now, limit, cursor) => guarded(() => store.listDue(shard, now, limit, cursor)),
    increment: (deltas, at) => guarded(() => store.increment(deltas, at)),
    readCounters: () => guarded(() => store.readCounters()),
    readDailyCounters: (days) => guarded(() => store.readDailyCounters(days)),
    scan: (cursor) => guarded(() => store.scan(cursor)),
    readGuard: () => guarded(() => store.readGuard()),
    writeGuard: (g, v) => guarded(() => store.writeGuard(g, v)),
  };
}

/** Wraps a mailer so an unreachable SES names its endpoint. */
export function guardMailer(mailer: Mailer, target: Target): Mailer {
  const where = target.kind === 'local' ? `SES at ${target.sesEndpoint}` : `SES in ${target.region}`;
  const hint = target.kind === 'local' ? ' Is the local stack running? Start it with `npm start`.' : '';
  return {
    async send(email) {
      try {
        return await mailer.send(email);
      } catch (error) {
        if (isNetworkError(error))
          throw new TargetError(`Cannot reach ${where} (${target.label}).${hint}`, { cause: error });
        throw error;
      }
    },
  };
}

/** DynamoDB store and SES mailer for a target, behind the guards above. */
export function targetAdapters(
  target: Target,
  settings: CourseSettings,
  /** Looks up the SES configuration set when the target does not name it (first send only). */
  findConfigurationSet?: () => Promise<string | undefined>,
): { store: SubscriberStore & GuardStore; mailer: Mailer } {
  const local = target.kind === 'local';
  const clientConfig = local
    ? { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 2 }
    : { region: target.region };
  const dynamo = new DynamoDBClient({
    ...clientConfig,
    ...(local ? { endpoint: target.dynamoEndpoint } : {}),
  });
  const ses = new SESv2Client({ ...clientConfig, ...(local ? { endpoint: target.sesEndpoint } : {}) });
  const mailerFor = (configurationSet: string | undefined) =>
    sesMailer(ses, { ...settings, fromAddress: target.sender.from }, configurationSet);
  let mailer: Mailer;
  if (target.sender.configurationSet || !findConfigurationSet) {
    mailer = mailerFor(target.sender.configurationSet);
  } else {
    // Without the configuration set SES would publish no bounce or complaint for these sends.
    let built: Promise<Mailer> | undefined;
    mailer = {
      async send(email) {
        built ??= findConfigurationSet().then(mailerFor);
        return (await built).send(email);
      },
    };
  }
  return {
    // Records the CLI finishes (unsubscribe, erase) expire like the Lambdas' ones.
    store: guardStore(subscriberStore(dynamo, target.tableName, undefined, settings.retentionDays), target),
    mailer: guardMailer(mailer, target),
  };
}
