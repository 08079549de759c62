/**
 * Builds the context the commands run against, for the local stack or a deployed one:
 * target, adapters, settings and link keys.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseLinkKeys } from '../../functions/adapters/link-keys.js';
import { type CourseSettings, sampleSettings } from '../../functions/core/settings.js';
import { LinkTokens } from '../../functions/core/tokens.js';
import { parseConfig } from '../../infra/config.js';
import { type CourseContext, type Output, systemClock } from './context.js';
import { CommandError, TargetError } from './errors.js';
import {
  describeAwsError,
  localTarget,
  type StackTarget,
  stackTarget,
  type Target,
  type TargetOptions,
  targetAdapters,
} from './target.js';

/** The project's course.config.json (npm runs scripts from the project folder). */
export const CONFIG_FILE = fileURLToPath(new URL('../../course.config.json', import.meta.url));

export interface WiringIo {
  readonly out: Output;
  readonly err: Output;
  readonly env: NodeJS.ProcessEnv;
  readonly confirm?: (question: string) => Promise<boolean>;
  /** CloudFormation client for `--stack` (tests pass a mocked one). */
  readonly cloudFormation?: CloudFormationClient;
}

/** Resolves the target and builds every adapter the commands need. */
export async function createContext(opts: TargetOptions, io: WiringIo): Promise<CourseContext> {
  if (!opts.stack) {
    const settings = localSettings();
    const target = localTarget(io.env, settings);
    return contextFor(target, settings, io, async () => {
      throw new CommandError(
        'The local stack does not share its link keys; resend-confirmation needs --stack.',
      );
    });
  }
  const cloudFormation =
    io.cloudFormation ?? new CloudFormationClient(opts.region ? { region: opts.region } : {});
  const config = await readConfig();
  const target = await stackTarget(opts.stack, cloudFormation, config?.senderAddress);
  const settings = stackSettings(target, config);
  return contextFor(target, settings, io, () => stackLinkTokens(target));
}

function contextFor(
  target: Target,
  settings: CourseSettings,
  io: WiringIo,
  linkTokens: () => Promise<LinkTokens>,
): CourseContext {
  const { store, mailer } = targetAdapters(target, settings);
  return {
    store,
    mailer,
    settings,
    clock: systemClock,
    out: io.out,
    err: io.err,
    target: target.label,
    linkTokens,
    ...(io.confirm ? { confirm: io.confirm } : {}),
  };
}

/** The settings the local stack runs with. */
export function localSettings(): CourseSettings {
  return sampleSettings;
}

type Config = ReturnType<typeof parseConfig>;

async function readConfig(): Promise<Config | undefined> {
  let raw: string;
  try {
    raw = await readFile(CONFIG_FILE, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return parseConfig(JSON.parse(raw));
  } catch (error) {
    throw new TargetError(`course.config.json is not valid: ${(error as Error).message}`);
  }
}

/** Settings for a deployed stack: the clinic's configuration plus the stack's own URL. */
export function stackSettings(target: StackTarget, config: Config | undefined): CourseSettings {
  if (!config) {
    return { ...sampleSettings, fromAddress: target.sender.from, publicBaseUrl: target.apiUrl ?? '' };
  }
  return {
    clinicName: config.clinicName,
    postalAddress: config.postalAddress,
    siteUrl: config.siteUrl,
    publicBaseUrl: config.publicBaseUrl ?? target.apiUrl ?? '',
    fromAddress: target.sender.from,
    fromName: config.senderName,
    ...(config.replyTo ? { replyTo: config.replyTo } : {}),
    sendHour: config.sendHour,
    defaultTimeZone: config.defaultTimeZone,
    allowedOrigins: config.allowedOrigins,
  };
}

async function stackLinkTokens(target: StackTarget): Promise<LinkTokens> {
  if (!target.linkSecretId) throw new TargetError(`${target.label} has no LinkSecretArn output.`);
  const client = new SecretsManagerClient({ region: target.region });
  try {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: target.linkSecretId }));
    return new LinkTokens(parseLinkKeys(JSON.parse(SecretString ?? '')));
  } catch (error) {
    throw describeAwsError(error, `Cannot read the link-signing secret of ${target.label}`);
  }
}
