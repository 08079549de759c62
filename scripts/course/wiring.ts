/**
 * Builds the context the commands run against, for the local stack or a deployed one:
 * target, adapters, settings, clock and link keys.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { Clock } from '../../functions/core/ports.js';
import type { CourseSettings } from '../../functions/core/settings.js';
import { type LinkKeys, LinkTokens } from '../../functions/core/tokens.js';
import { ConfigError, type CourseConfig } from '../../infra/config.js';
import { CONFIG_FILE, readConfigFile, settingsFromConfig } from '../clinic-config.js';
import { LOCAL_INBOX_PATH, localPorts, localStackFileOf, readLocalStackRecord } from '../local-config.js';
import { type CourseContext, type Output, systemClock } from './context.js';
import { CommandError, TargetError } from './errors.js';
import {
  describeAwsError,
  findStackResources,
  localTarget,
  type StackResources,
  type StackTarget,
  stackTarget,
  type Target,
  type TargetOptions,
  targetAdapters,
} from './target.js';

export { CONFIG_FILE };

/** The local stack's data folder when started with `npm start -- --data-dir .local-data`. */
export const LOCAL_DATA_DIR = fileURLToPath(new URL('../../.local-data/', import.meta.url));

/**
 * Files the CLI reads from the local stack's data folder (the local stack's DATA_FILES;
 * a test keeps the two equal). Named here so the CLI need not load the whole local stack.
 */
export const LOCAL_DATA_FILES = {
  linkKeys: 'link-keys.json',
  pseudonymKey: 'pseudonym-key.txt',
  clock: 'clock.json',
} as const;

/** The local site's default port (the local stack's `PORT`). */
const LOCAL_SITE_PORT = 3000;

export interface WiringIo {
  readonly out: Output;
  readonly err: Output;
  readonly env: NodeJS.ProcessEnv;
  readonly confirm?: (question: string) => Promise<boolean>;
  /** CloudFormation client for `--stack` (tests pass a mocked one). */
  readonly cloudFormation?: CloudFormationClient;
  /** The clinic's configuration file. @default CONFIG_FILE */
  readonly configFile?: string;
  /** Where the local stack keeps its data. @default the running stack's, else LOCAL_DATA_DIR */
  readonly localDataDir?: string;
  /** Where `npm start` records the running stack's ports. @default localStackFileOf(env) */
  readonly localStackFile?: string;
}

/** Resolves the target and builds every adapter the commands need. */
export async function createContext(opts: TargetOptions, io: WiringIo): Promise<CourseContext> {
  // A port or file named in the environment wins; then what `npm start` recorded.
  const running = opts.stack
    ? undefined
    : readLocalStackRecord(io.localStackFile ?? localStackFileOf(io.env));
  // The same file the deploy (or the running local stack) used: COURSE_CONFIG, as for `cdk deploy`.
  const config = await readConfig(
    io.configFile ??
      (io.env.COURSE_CONFIG ? resolve(io.env.COURSE_CONFIG) : (running?.configFile ?? CONFIG_FILE)),
  );
  if (!opts.stack) {
    const ports = localPorts(io.env, running?.ports);
    const site = io.env.PORT || running?.ports.site || LOCAL_SITE_PORT;
    const settings = localSettings(config, `http://localhost:${site}`);
    const dataDir = io.localDataDir ?? running?.dataDir ?? LOCAL_DATA_DIR;
    return contextFor(localTarget(ports, settings), settings, io, {
      linkTokens: () => localLinkTokens(dataDir),
      pseudonymKey: () => localPseudonymKey(dataDir),
      clock: await localClock(dataDir),
      inboxUrl: `${settings.publicBaseUrl}${LOCAL_INBOX_PATH}`,
    });
  }
  const cloudFormation =
    io.cloudFormation ?? new CloudFormationClient(opts.region ? { region: opts.region } : {});
  const stackName = opts.stack;
  const target = await stackTarget(stackName, cloudFormation, config.senderAddress);
  let resources: Promise<StackResources> | undefined;
  const lookUp = () => {
    resources ??= findStackResources(cloudFormation, stackName);
    return resources;
  };
  return contextFor(target, stackSettings(target, config), io, {
    linkTokens: async () => stackLinkTokens(target, target.linkSecretId ?? (await lookUp()).linkSecretId),
    pseudonymKey: async () =>
      stackPseudonymKey(target, target.pseudonymSecretId ?? (await lookUp()).pseudonymSecretId),
    clock: systemClock,
    findConfigurationSet: async () => (await lookUp()).configurationSet,
  });
}

function contextFor(
  target: Target,
  settings: CourseSettings,
  io: WiringIo,
  extra: {
    linkTokens: () => Promise<LinkTokens>;
    pseudonymKey: () => Promise<string>;
    clock: Clock;
    findConfigurationSet?: () => Promise<string | undefined>;
    inboxUrl?: string;
  },
): CourseContext {
  const { store, mailer } = targetAdapters(target, settings, extra.findConfigurationSet);
  return {
    store,
    mailer,
    settings,
    clock: extra.clock,
    out: io.out,
    err: io.err,
    target: target.label,
    ...(extra.inboxUrl ? { inboxUrl: extra.inboxUrl } : {}),
    linkTokens: extra.linkTokens,
    pseudonymKey: once(extra.pseudonymKey),
    ...(io.confirm ? { confirm: io.confirm } : {}),
  };
}

/** The settings the local stack runs with: the clinic's configuration, links to the local site. */
export function localSettings(config: CourseConfig, siteUrl: string): CourseSettings {
  return settingsFromConfig(config, { publicBaseUrl: siteUrl });
}

/**
 * The local stack signs links with keys it keeps in memory, or in its data folder when
 * started with `--data-dir .local-data`; only then can the CLI sign links it accepts.
 */
async function localLinkTokens(dataDir: string): Promise<LinkTokens> {
  const raw = await readLocalDataFile(
    dataDir,
    LOCAL_DATA_FILES.linkKeys,
    'its link keys in memory, so the CLI cannot sign a link it accepts',
  );
  return new LinkTokens(await parseKeys(raw));
}

/**
 * The local stack's subscriber-id key, kept in its data folder when started with
 * `--data-dir .local-data`; without it the CLI cannot find anyone by address.
 */
async function localPseudonymKey(dataDir: string): Promise<string> {
  const raw = await readLocalDataFile(
    dataDir,
    LOCAL_DATA_FILES.pseudonymKey,
    'the key of its subscriber ids in memory, so the CLI cannot find anyone by address',
  );
  const { parsePseudonymKey } = await import('../../functions/adapters/pseudonym-key.js');
  return parsePseudonymKey(raw);
}

/** Calls `load` once; a failure is not kept, so the next call tries again. */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    value ??= load().catch((error: unknown) => {
      value = undefined;
      throw error;
    });
    return value;
  };
}

/** Parses the keys' JSON as the Lambdas do (loaded on demand: it pulls in Powertools). */
async function parseKeys(json: string | undefined): Promise<LinkKeys> {
  const { parseLinkKeys } = await import('../../functions/adapters/link-keys.js');
  return parseLinkKeys(JSON.parse(json ?? ''));
}

/**
 * The local stack's clock runs fast and its records carry course time. With a data
 * folder the CLI starts from the course time the stack last saved, so cooldowns and the
 * times it writes line up with the stack's; otherwise it uses the real time.
 */
async function localClock(dataDir: string): Promise<Clock> {
  try {
    const saved = JSON.parse(await readFile(join(dataDir, LOCAL_DATA_FILES.clock), 'utf8')) as {
      courseTime?: string;
    };
    const offset = Date.parse(saved.courseTime ?? '') - Date.now();
    if (offset > 0) return { now: () => new Date(Date.now() + offset) };
  } catch {
    // No data folder: real time.
  }
  return systemClock;
}

/** The clinic's configuration: the emails the CLI sends carry its real details. */
async function readConfig(file: string): Promise<CourseConfig> {
  if (!existsSync(file)) {
    throw new TargetError(
      `Cannot read ${file}: run the CLI in the project folder the stack was deployed from, or name the file with COURSE_CONFIG.`,
    );
  }
  try {
    return readConfigFile(file);
  } catch (error) {
    if (error instanceof ConfigError) throw new TargetError(error.message);
    throw error;
  }
}

/** Settings for a deployed stack: the clinic's configuration plus the stack's own URL and sender. */
export function stackSettings(target: StackTarget, config: CourseConfig): CourseSettings {
  return settingsFromConfig(config, {
    publicBaseUrl: config.publicBaseUrl ?? target.apiUrl ?? '',
    fromAddress: target.sender.from,
  });
}

/** The text of one of the stack's secrets; `what` names it in every error. */
async function readStackSecret(target: StackTarget, secretId: string | undefined, what: string) {
  if (!secretId) throw new TargetError(`${target.label} has no ${what} secret.`);
  const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient({ region: target.region });
  try {
    return (await client.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
  } catch (error) {
    throw describeAwsError(error, `Cannot read the ${what} secret of ${target.label}`);
  }
}

async function stackLinkTokens(target: StackTarget, secretId: string | undefined): Promise<LinkTokens> {
  return new LinkTokens(await parseKeys(await readStackSecret(target, secretId, 'link-signing')));
}

async function stackPseudonymKey(target: StackTarget, secretId: string | undefined): Promise<string> {
  const secret = await readStackSecret(target, secretId, 'subscriber-id key');
  const { parsePseudonymKey } = await import('../../functions/adapters/pseudonym-key.js');
  return parsePseudonymKey(secret);
}

/** A file of the local stack's data folder; without one the stack keeps `what` in memory. */
async function readLocalDataFile(dataDir: string, file: string, what: string): Promise<string> {
  try {
    return await readFile(join(dataDir, file), 'utf8');
  } catch {
    throw new CommandError(
      `The local stack keeps ${what}. Start it with \`npm start -- --data-dir .local-data\` and try again.`,
    );
  }
}
