/**
 * `npm start`: the whole course on this machine, no AWS account needed.
 *
 *   npm start                          in memory, one course day every 30 s
 *   npm start -- --data-dir .local-data   keep subscribers, keys and course time between runs
 *   COURSE_DAY_SECONDS=86400 npm start    real time
 *   COURSE=<id> npm start                 another course folder from emails/ (default: course.config.json's)
 *
 * Ports: PORT (site, 3000), DYNAMODB_PORT (8000), INBOX_PORT (8005).
 */
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { course } from '../functions/core/course.js';
import { configFileOf, readConfigFile, settingsFromConfig } from './clinic-config.js';
import {
  confirmLinkLife,
  localPorts,
  localStackFileOf,
  removeLocalStackRecord,
  writeLocalStackRecord,
} from './local-config.js';
import {
  DEFAULT_COURSE_DAY_SECONDS,
  DEFAULT_SITE_PORT,
  PortInUseError,
  startLocalStack,
} from './local-stack.js';

const usage = `Usage: npm start [-- --data-dir DIR]

Runs the course locally: sign-up site and API, DynamoDB (dynalite), SES (aws-ses-v2-local
with a web inbox), the send queue, the sweep and a fast course clock.

Options:
  --data-dir DIR   keep the data (table, link keys, course time) in DIR; in memory otherwise
  -h, --help       show this help

The clinic's details come from course.config.json (or the file COURSE_CONFIG names).

Environment:
  PORT                 site and API port (default ${DEFAULT_SITE_PORT})
  DYNAMODB_PORT        DynamoDB emulator port (default 8000)
  INBOX_PORT           SES emulator and inbox port (default 8005)
  COURSE_DAY_SECONDS   real seconds per course day (default ${DEFAULT_COURSE_DAY_SECONDS}; 86400 = real time)
  COURSE               the course to run, a folder of emails/ (default: "course" in the config)
  COURSE_CONFIG        the clinic's configuration file (default course.config.json)
  LOCAL_STACK_FILE     where to record the ports for the CLI (default .local-data/local-stack.json)
`;

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    fail(`${name} must be a positive number of seconds, got "${raw}"`);
  return value;
}

function sitePort(): number {
  const raw = process.env.PORT;
  if (raw === undefined || raw === '') return DEFAULT_SITE_PORT;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535)
    fail(`PORT must be a port number, got "${raw}"`);
  return value;
}

function parseOptions(): { dataDir: string | undefined; help: boolean } {
  try {
    const { values } = parseArgs({
      options: { 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: false,
    });
    return { dataDir: values['data-dir'], help: values.help ?? false };
  } catch (error) {
    fail(`${(error as Error).message}\n\n${usage}`);
  }
}

function emulatorPorts(): ReturnType<typeof localPorts> {
  try {
    return localPorts();
  } catch (error) {
    fail((error as Error).message);
  }
}

/** A path relative to the working folder when it lies inside it, else absolute. */
function shortPath(file: string): string {
  const short = relative(process.cwd(), file);
  return short && !short.startsWith('..') ? short : file;
}

async function main(): Promise<void> {
  // The SDK's notice about its future Node support says nothing about this course.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { dataDir, help } = parseOptions();
  if (help) {
    console.log(usage);
    return;
  }
  const ports = emulatorPorts();
  const courseDaySeconds = positiveNumber('COURSE_DAY_SECONDS', DEFAULT_COURSE_DAY_SECONDS);
  const configFile = configFileOf();
  let config: ReturnType<typeof readConfigFile>;
  try {
    config = readConfigFile(configFile);
  } catch (error) {
    fail((error as Error).message);
  }

  let stack: Awaited<ReturnType<typeof startLocalStack>>;
  try {
    stack = await startLocalStack({
      port: sitePort(),
      dynamoPort: ports.dynamodb,
      inboxPort: ports.inbox,
      courseDaySeconds,
      // The stack points the links at its own site.
      settings: settingsFromConfig(config, { publicBaseUrl: '' }),
      ...(dataDir ? { dataDir } : {}),
    });
  } catch (error) {
    if (error instanceof PortInUseError) fail(error.message);
    throw error;
  }

  // The CLI reads this to find the stack, whatever its ports.
  const recordFile = localStackFileOf();
  writeLocalStackRecord(
    { pid: process.pid, ports: stack.ports, ...(dataDir ? { dataDir: resolve(dataDir) } : {}), configFile },
    recordFile,
  );

  const speed = Math.round(86_400 / courseDaySeconds);
  console.log(`
Email course running locally: ${course.title}

  Course           ${course.id} (emails/${course.id}/; COURSE=<id> npm start runs another)
  Clinic           ${stack.settings.clinicName} (from ${shortPath(configFile)})
  Sign-up page     ${stack.urls.site}/
  Inbox            ${stack.urls.inboxPage}   (every email sent, newest first)
  Email previews   ${stack.urls.preview}
  DynamoDB         ${stack.urls.dynamodb}   (table ${stack.tableName}; try: npm run course -- stats)
  SES emulator     ${stack.urls.inbox}/   (its own inbox; JSON at ${stack.urls.inbox}/store)

  Ports            site ${stack.ports.site} (PORT), DynamoDB ${stack.ports.dynamodb} (DYNAMODB_PORT), inbox ${stack.ports.inbox} (INBOX_PORT)
  Course clock     1 course day = ${courseDaySeconds} s real time (${speed}x); lessons go out at ${String(stack.settings.sendHour).padStart(2, '0')}:00 in the reader's time zone
  Course time now  ${stack.clock.now().toISOString()}
  Confirm links    valid for ${confirmLinkLife(courseDaySeconds)}
  Data             ${dataDir ? `kept in ${dataDir}` : 'in memory (npm start -- --data-dir .local-data keeps it)'}
  Simulate         curl -X POST ${stack.urls.site}/_local/simulate -H 'content-type: application/json' \\
                     -d '{"type":"bounce","email":"reader@example.com"}'

Press Ctrl-C to stop.
`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping...`);
    removeLocalStackRecord(process.pid, recordFile);
    await stack.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
