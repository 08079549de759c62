/**
 * Lambda bundles: each function bundled exactly as the stack bundles it (infra's
 * `bundleFunctions`: minified ESM, AWS SDK included), its size, and how long a fresh
 * Node.js process takes to import it, as a ratio to a process that does nothing.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { ENV, type EnvName } from '../functions/contract.js';
import { bundleFunctions } from '../infra/bundles.js';
import { ESBUILD_OPTIONS, type LambdaName, REPO_ROOT } from '../infra/bundling.js';
import { median, round } from './support.js';

export interface BundleFigures {
  readonly bytes: number;
  readonly sourceMapBytes: number;
  /** Median wall milliseconds of `node -e "await import(bundle)"`. */
  readonly coldImportMs: number;
  /** coldImportMs ÷ the median of `node -e ''` in the same run. */
  readonly coldImportRatio: number;
  /** The same import with `--enable-source-maps` (off on Lambda), to show what applying the map costs. */
  readonly coldImportWithSourceMapsMs: number;
  /** The largest contributor to the bundle. */
  readonly largest: string;
}

export type BundlesFigures = Record<LambdaName, BundleFigures> & {
  readonly emptyNodeMs: number;
  /**
   * For scale: a bundle that only builds a DynamoDB document client, with the same
   * settings. No handler that talks to DynamoDB can import faster than this.
   */
  readonly dynamoClientOnly: {
    readonly bytes: number;
    readonly coldImportMs: number;
    readonly coldImportRatio: number;
  };
  readonly runs: number;
};

const dynamoClientOnly = `
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
export const client = DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } });
`;

/** Bundles `contents` as the stack bundles a handler; returns the output size. */
async function bundleSource(contents: string, outfile: string): Promise<number> {
  const result = await build({
    stdin: { contents, resolveDir: REPO_ROOT, loader: 'ts', sourcefile: 'dynamo-client-only.ts' },
    outfile,
    ...ESBUILD_OPTIONS,
    metafile: true,
  });
  return Object.entries(result.metafile.outputs).find(([file]) => file.endsWith('.mjs'))?.[1].bytes ?? 0;
}

/**
 * Every variable of the contract, with dummy values (typed so that a new one cannot be
 * forgotten): the wiring reads them at import and throws on a missing one, but makes no
 * network call until the first event.
 */
const courseEnv = {
  [ENV.tableName]: 'bench-table',
  [ENV.queueUrl]: 'https://sqs.us-east-1.amazonaws.com/123456789012/bench-send',
  [ENV.linkSecretId]: 'bench-link-keys',
  [ENV.publicBaseUrl]: 'https://course.clinic.example',
  [ENV.fromAddress]: 'course@clinic.example',
  [ENV.fromName]: 'Riverside Massage & Bodywork',
  [ENV.replyTo]: 'hello@clinic.example',
  [ENV.configurationSet]: 'bench-config-set',
  [ENV.clinicName]: 'Riverside Massage & Bodywork',
  [ENV.postalAddress]: '12 Mill Lane, Riverside',
  [ENV.siteUrl]: 'https://clinic.example',
  [ENV.allowedOrigins]: 'https://clinic.example',
  [ENV.sendHour]: '8',
  [ENV.defaultTimeZone]: 'Europe/London',
  [ENV.maxSendRate]: '10',
  [ENV.senderMaxConcurrency]: '2',
  [ENV.dueShards]: '8',
  [ENV.pseudonymSecretId]: 'bench-pseudonym-key',
  [ENV.bookingUrl]: 'https://clinic.example/book',
  [ENV.trackOpensAndClicks]: 'false',
  [ENV.signupClientLimit]: '10',
  [ENV.signupClientWindowMinutes]: '10',
  [ENV.mailboxDailyCap]: '3',
  [ENV.retentionDays]: '365',
  [ENV.publishedMetrics]: 'alarms',
  [ENV.logoUrl]: 'https://clinic.example/logo.png',
  [ENV.logoWidth]: '160',
  [ENV.logoHeight]: '48',
  [ENV.accentColor]: '#1f5e57',
  [ENV.phone]: '01234 567890',
  [ENV.practitioner]: 'Jane Doe, MSc, remedial massage therapist',
  [ENV.privacyPolicyUrl]: 'https://clinic.example/privacy',
} satisfies Record<EnvName, string>;

const dummyEnv: Record<string, string> = {
  ...courseEnv,
  POWERTOOLS_SERVICE_NAME: 'bench',
  POWERTOOLS_METRICS_NAMESPACE: 'KneeCourseBench',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_EC2_METADATA_DISABLED: 'true',
};

/** Runs node with the arguments; resolves to wall milliseconds, rejects on a non-zero exit. */
function timeNode(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = performance.now() - started;
      if (code === 0) resolve(ms);
      else reject(new Error(`node ${args.join(' ')} exited with ${code}: ${stderr.slice(0, 500)}`));
    });
  });
}

export async function runBundlesBench(options: { runs?: number } = {}): Promise<BundlesFigures> {
  const runs = options.runs ?? 15;
  const outDir = await mkdtemp(join(tmpdir(), 'knee-course-bundles-'));
  try {
    const reports = await bundleFunctions(outDir);
    const names = Object.keys(reports) as LambdaName[];
    const referenceFile = join(outDir, 'dynamo-client-only', 'index.mjs');
    const referenceBytes = await bundleSource(dynamoClientOnly, referenceFile);
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...dummyEnv,
    };
    const importFile = (file: string) => [
      '--input-type=module',
      '-e',
      `await import(${JSON.stringify(pathToFileURL(file).href)});`,
    ];
    const importArgs = (name: LambdaName) => importFile(join(outDir, name, 'index.mjs'));

    // One untimed round warms the file cache; then every command once per round, interleaved.
    await timeNode(['-e', ''], env);
    for (const name of names) await timeNode(importArgs(name), env);
    const envWithMaps = { ...env, NODE_OPTIONS: '--enable-source-maps' };
    const empty: number[] = [];
    const reference: number[] = [];
    const imports = Object.fromEntries(names.map((name) => [name, [] as number[]]));
    const importsWithMaps = Object.fromEntries(names.map((name) => [name, [] as number[]]));
    for (let i = 0; i < runs; i++) {
      empty.push(await timeNode(['-e', ''], env));
      reference.push(await timeNode(importFile(referenceFile), env));
      for (const name of names) {
        imports[name]?.push(await timeNode(importArgs(name), env));
        importsWithMaps[name]?.push(await timeNode(importArgs(name), envWithMaps));
      }
    }

    const emptyNodeMs = median(empty);
    const figures = Object.fromEntries(
      names.map((name) => {
        const report = reports[name];
        const coldImportMs = median(imports[name] ?? []);
        const figure: BundleFigures = {
          bytes: report.bytes,
          sourceMapBytes: report.sourceMapBytes,
          coldImportMs: round(coldImportMs, 1),
          coldImportRatio: round(coldImportMs / emptyNodeMs, 2),
          coldImportWithSourceMapsMs: round(median(importsWithMaps[name] ?? []), 1),
          largest: report.largest
            .slice(0, 3)
            .map((l) => `${l.name} ${Math.round(l.bytes / 1024)} KB`)
            .join(', '),
        };
        return [name, figure];
      }),
    ) as Record<LambdaName, BundleFigures>;
    const referenceMs = median(reference);
    return {
      ...figures,
      emptyNodeMs: round(emptyNodeMs, 1),
      dynamoClientOnly: {
        bytes: referenceBytes,
        coldImportMs: round(referenceMs, 1),
        coldImportRatio: round(referenceMs / emptyNodeMs, 2),
      },
      runs,
    };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}
