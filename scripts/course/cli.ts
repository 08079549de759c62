/**
 * The course owner's command line: `npm run course -- <command>`. Parses arguments,
 * prints help, builds the context for the target and maps errors to exit codes
 * (0 done, 1 could not do it, 2 wrong command line).
 */
import { parseArgs } from 'node:util';
import { course, emailIds } from '../../functions/core/course.js';
import { type SubscriberStatus, subscriberStatuses } from '../../functions/core/subscriber.js';
import { parseAddress, parseCourseId, parseEmailId } from './arguments.js';
import type { CourseContext, Output } from './context.js';
import { runErase } from './erase.js';
import { CommandError, UsageError } from './errors.js';
import { runExport } from './export.js';
import { DEFAULT_LIST_LIMIT, runList } from './list.js';
import { DEFAULT_PREVIEW_PORT } from './preview.js';
import { runShow } from './show.js';
import { runStats } from './stats.js';
import type { TargetOptions } from './target.js';
import { runUnsubscribe } from './unsubscribe.js';

interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** Placeholder in help, e.g. FILE. */
  readonly value?: string;
  readonly description: string;
}

type Values = Record<string, string | boolean | undefined>;

interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  /** Required positional arguments, by name. */
  readonly args: readonly string[];
  /** Optional positional arguments after those, by name. */
  readonly optionalArgs?: readonly string[];
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly examples: readonly string[];
  /** Extra paragraph for `--help`. */
  readonly details?: string;
  /** Checks the arguments (before anything connects) and returns the action to run. */
  readonly prepare: (args: readonly string[], values: Values) => Action;
}

/** A checked command, ready to run; it builds the context only if it needs one. */
type Action = (env: { context: () => Promise<CourseContext>; io: CliIo }) => Promise<unknown>;

const withContext =
  (run: (ctx: CourseContext) => Promise<unknown>): Action =>
  ({ context }) =>
    context().then(run);

const globalOptions: Readonly<Record<string, OptionSpec>> = {
  stack: {
    type: 'string',
    value: 'NAME',
    description: 'a deployed course (CloudFormation stack name); default: the local stack',
  },
  region: {
    type: 'string',
    value: 'REGION',
    description: 'AWS region of --stack; default: AWS_REGION or your profile',
  },
  help: { type: 'boolean', short: 'h', description: 'show help' },
};

const json = { type: 'boolean', description: 'print JSON instead of a table' } as const;

function positiveInt(raw: string, option: string, command: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw new UsageError(`--${option} must be a whole number of 1 or more, got "${raw}"`, command);
  }
  return Number(raw);
}

const commands: readonly CommandSpec[] = [
  {
    name: 'stats',
    summary: 'the funnel: sign-ups, confirmations, lessons sent, opens, clicks, unsubscribes, bounces',
    args: [],
    options: { json },
    examples: ['npm run course -- stats', 'npm run course -- stats --json --stack MyCourse'],
    details:
      'Reads the course-wide counters (one item), so it is as fast with 100,000 subscribers as with ten.',
    prepare: (_args, v) => withContext((ctx) => runStats(ctx, { json: v.json === true })),
  },
  {
    name: 'report',
    summary: 'the funnel, daily figures and sender reputation as one HTML page',
    args: [],
    options: {
      out: {
        type: 'string',
        value: 'FILE',
        description: 'HTML file to write, replaced if it exists (required)',
      },
    },
    examples: [
      'npm run course -- report --out report.html',
      'npm run course -- report --out report.html --stack MyCourse',
    ],
    details:
      'One self-contained page (no script, nothing fetched) to open anywhere or mail to a colleague: the funnel with the drop at each step, sign-ups, confirmations and unsubscribes per day over 90 days, unsubscribes by lesson, and the bounce and complaint rates with their state. Reads the counters, not the subscribers: about 90 items whatever their number.',
    prepare: (_args, v) => {
      const out = v.out as string | undefined;
      if (!out) throw new UsageError('report needs --out FILE', 'report');
      return withContext(async (ctx) => {
        const { runReport } = await import('./report.js');
        return runReport(ctx, { out });
      });
    },
  },
  {
    name: 'status',
    summary: 'whether lessons are going out, or why the reputation guard paused them',
    args: [],
    options: { json },
    examples: ['npm run course -- status', 'npm run course -- status --stack MyCourse'],
    details:
      'Shows the bounce and complaint rates since the last resume against the limits at which lesson sending pauses by itself (4% and 0.08%, from 500 emails on). Sign-ups keep working while lessons are paused.',
    prepare: (_args, v) =>
      withContext(async (ctx) => {
        const { runStatus } = await import('./guard.js');
        return runStatus(ctx, { json: v.json === true });
      }),
  },
  {
    name: 'resume',
    summary: 'restart lesson sending after the reputation guard paused it',
    args: [],
    options: {},
    examples: ['npm run course -- resume --stack MyCourse'],
    details:
      'Run `status` first and fix the cause. The rates then count from now, and the next sweep sends every lesson that waited, each once.',
    prepare: () =>
      withContext(async (ctx) => {
        const { runResume } = await import('./guard.js');
        return runResume(ctx);
      }),
  },
  {
    name: 'list',
    summary: 'the most recent subscribers, one line each',
    args: [],
    options: {
      status: {
        type: 'string',
        value: 'STATUS',
        description: `only this status: ${subscriberStatuses.join(', ')}`,
      },
      limit: { type: 'string', value: 'N', description: `how many to show (default ${DEFAULT_LIST_LIMIT})` },
    },
    examples: ['npm run course -- list', 'npm run course -- list --status pending --limit 20'],
    details: 'Reads every record once (a table scan); prints the newest first.',
    prepare: (_args, v) => {
      const status = v.status as string | undefined;
      if (status !== undefined && !(subscriberStatuses as readonly string[]).includes(status)) {
        throw new UsageError(
          `Unknown status "${status}". Valid statuses: ${subscriberStatuses.join(', ')}`,
          'list',
        );
      }
      const limit =
        v.limit === undefined ? DEFAULT_LIST_LIMIT : positiveInt(v.limit as string, 'limit', 'list');
      return withContext((ctx) =>
        runList(ctx, { limit, ...(status ? { status: status as SubscriberStatus } : {}) }),
      );
    },
  },
  {
    name: 'show',
    summary: 'everything the course knows about one person, and their progress',
    args: ['email'],
    options: { json },
    examples: ['npm run course -- show jane@example.com'],
    prepare: ([email], v) => {
      const address = parseAddress(email as string, 'show');
      return withContext((ctx) => runShow(ctx, address, { json: v.json === true }));
    },
  },
  {
    name: 'export',
    summary: 'every subscriber and their progress, as a CSV file',
    args: [],
    options: {
      out: { type: 'string', value: 'FILE', description: 'CSV file to write (required)' },
      force: { type: 'boolean', description: 'overwrite FILE if it exists' },
    },
    examples: ['npm run course -- export --out subscribers.csv'],
    details:
      'The file holds personal data: it is created readable by you only. Cells that a spreadsheet would run as a formula are prefixed with a quote.',
    prepare: (_args, v) => {
      const out = v.out as string | undefined;
      if (!out) throw new UsageError('export needs --out FILE', 'export');
      return withContext((ctx) => runExport(ctx, { out, force: v.force === true }));
    },
  },
  {
    name: 'erase',
    summary: 'GDPR erasure of one person (keeps only a marker that honours an opt-out or bounce)',
    args: ['email'],
    options: { yes: { type: 'boolean', short: 'y', description: 'do not ask for confirmation' } },
    examples: ['npm run course -- erase jane@example.com', 'npm run course -- erase jane@example.com --yes'],
    details:
      'A pending, active or finished subscriber is deleted entirely. An unsubscribed, bounced or complaining one keeps only a marker (pseudonymous id, status, time) and no address, so the address is never mailed again by mistake.',
    prepare: ([email], v) => {
      const address = parseAddress(email as string, 'erase');
      return withContext((ctx) => runErase(ctx, address, { yes: v.yes === true }));
    },
  },
  {
    name: 'unsubscribe',
    summary: 'stop all email to one person now',
    args: ['email'],
    options: {},
    examples: ['npm run course -- unsubscribe jane@example.com'],
    prepare: ([email]) => {
      const address = parseAddress(email as string, 'unsubscribe');
      return withContext((ctx) => runUnsubscribe(ctx, address));
    },
  },
  {
    name: 'resend-confirmation',
    summary: 'send a pending sign-up a fresh confirmation email',
    args: ['email'],
    options: { force: { type: 'boolean', description: 'send even within 10 minutes of the last one' } },
    examples: ['npm run course -- resend-confirmation jane@example.com --stack MyCourse'],
    prepare: ([email], v) => {
      const address = parseAddress(email as string, 'resend-confirmation');
      return withContext(async (ctx) => {
        const { runResendConfirmation } = await needsEmails(() => import('./resend.js'));
        return runResendConfirmation(ctx, address, { force: v.force === true });
      });
    },
  },
  {
    name: 'send-test',
    summary: 'send one email with sample data to an address, subject marked [TEST]',
    args: ['email-id', 'address'],
    options: {},
    examples: ['npm run course -- send-test lesson-1 me@clinic.example'],
    details: `Email ids: ${emailIds.join(', ')}.`,
    prepare: ([id, to]) => {
      const emailId = parseEmailId(id as string, 'send-test');
      const address = parseAddress(to as string, 'send-test');
      return withContext(async (ctx) => {
        const { runSendTest } = await needsEmails(() => import('./send-test.js'));
        return runSendTest(ctx, emailId, address);
      });
    },
  },
  {
    name: 'embed',
    summary: 'print the snippet that puts the sign-up form on your own site',
    args: [],
    options: {},
    examples: ['npm run course -- embed', 'npm run course -- embed --stack MyCourse'],
    details:
      'Prints a <div> and one <script> to paste into any page of your site. The script, served by the API, draws the form with the course’s current wording, consent text and your accent colour, and posts to the API; without JavaScript the visitor gets a link to the hosted sign-up page. Add your site’s origin to allowedOrigins in course.config.json (and deploy) so the API accepts its posts.',
    prepare: () =>
      withContext(async (ctx) => {
        const { runEmbed } = await import('./embed.js');
        return runEmbed(ctx);
      }),
  },
  {
    name: 'preview',
    summary: 'open the email gallery: every email rendered with sample data',
    args: [],
    options: {
      open: { type: 'boolean', description: 'open it in your browser' },
      port: {
        type: 'string',
        value: 'PORT',
        description: `port to listen on (default ${DEFAULT_PREVIEW_PORT}; 0 = any free port)`,
      },
    },
    examples: ['npm run course -- preview --open'],
    prepare: (_args, v) => {
      const port = v.port === undefined ? DEFAULT_PREVIEW_PORT : portNumber(v.port as string);
      return async ({ io }) => {
        const gallery = await needsEmails(async () =>
          (await import('./preview.js')).runPreview({ open: v.open === true, port }, io.out),
        );
        try {
          await (io.waitForStop ?? untilInterrupted)();
        } finally {
          await gallery.close();
        }
      };
    },
  },
  {
    name: 'new',
    summary: 'start a course: a folder in emails/ that builds, runs and passes the checks at once',
    args: ['course-id'],
    options: {},
    examples: ['npm run course -- new back-pain', 'COURSE=back-pain npm start'],
    details:
      'Writes emails/<course-id>/ with course.json, a confirmation email, three lesson stubs and a closing email, all using the shared partials. Fill in the words, then check them. An existing folder is left alone. docs/courses.md has the rest.',
    prepare: ([id]) => {
      const courseId = parseCourseId(id as string, 'new');
      return async ({ io }) => (await import('./authoring.js')).runNewCourse(courseId, io.out);
    },
  },
  {
    name: 'check',
    summary: 'lint a course (or every course): subjects, preheaders, footer, text part, size, links, files',
    args: [],
    optionalArgs: ['course-id'],
    options: {},
    examples: ['npm run course -- check', 'npm run course -- check back-pain'],
    details:
      'Lists every problem with its file: a subject of 60 characters or more, a missing preheader, a lesson or closing email without the footer partial (unsubscribe link, postal address, disclaimer), no plain-text part, HTML of 102 KB or more, a variable that does not exist, a link that is not an absolute https:// URL, a file course.json names twice or not at all. Exits 1 if there are any. npm run build and npm test refuse the same problems.',
    prepare: ([id]) => {
      const courseId = id === undefined ? undefined : parseCourseId(id, 'check');
      return async ({ io }) => (await import('./authoring.js')).runCheck(courseId, io.out);
    },
  },
];

/** Everything the CLI needs from the outside; tests pass fakes. */
export interface CliIo {
  readonly out: Output;
  readonly err: Output;
  /** Builds the context for a target (the real wiring, or a test's). */
  readonly context: (opts: TargetOptions) => Promise<CourseContext>;
  /** Resolves when a long-running command (preview) should stop. @default Ctrl+C or SIGTERM */
  readonly waitForStop?: () => Promise<void>;
}

/** Runs one command line; resolves to the process exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let command: CommandSpec | undefined;
  try {
    const { name, rest } = splitCommand(argv);
    if (name === undefined || name === 'help') {
      const topic = name === 'help' ? rest.find((a) => !a.startsWith('-')) : undefined;
      const wanted = topic === undefined ? undefined : findCommand(topic);
      if (name === undefined && !rest.includes('--help') && !rest.includes('-h')) {
        io.err.write(overallHelp());
        return 2;
      }
      io.out.write(wanted ? commandHelp(wanted) : overallHelp());
      return 0;
    }
    command = findCommand(name);
    const { values, positionals } = parse(command, rest);
    if (values.help) {
      io.out.write(commandHelp(command));
      return 0;
    }
    if (positionals.length < command.args.length) {
      const missing = command.args.slice(positionals.length).map((a) => `<${a}>`);
      throw new UsageError(`${command.name} needs ${missing.join(' and ')}`, command.name);
    }
    const most = command.args.length + (command.optionalArgs?.length ?? 0);
    if (positionals.length > most) {
      throw new UsageError(`Unexpected argument "${positionals[most]}"`, command.name);
    }
    const target: TargetOptions = {
      ...(typeof values.stack === 'string' ? { stack: values.stack } : {}),
      ...(typeof values.region === 'string' ? { region: values.region } : {}),
    };
    if (target.region && !target.stack) throw new UsageError('--region goes with --stack', command.name);
    const action = command.prepare(positionals, values);
    await action({ context: () => io.context(target), io });
    return 0;
  } catch (error) {
    return report(error, io.err, command);
  }
}

const untilInterrupted = () =>
  new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });

/**
 * Loads a module that renders emails. Those need `npm run build` first, so only the
 * commands that render load them, and a missing build gets a message saying so.
 */
async function needsEmails<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && /generated/.test(String(error))) {
      throw new CommandError('The emails are not built yet: run `npm run build` first.');
    }
    throw error;
  }
}

function portNumber(raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) > 65535) {
    throw new UsageError(`--port must be a port number (0-65535), got "${raw}"`, 'preview');
  }
  return Number(raw);
}

function report(error: unknown, err: Output, command: CommandSpec | undefined): number {
  if (error instanceof UsageError) {
    const about = error.command ?? command?.name;
    err.write(`Error: ${error.message}\n`);
    err.write(
      about
        ? `Run \`npm run course -- ${about} --help\` for its usage.\n`
        : 'Run `npm run course -- --help` for the commands.\n',
    );
    return 2;
  }
  if (error instanceof CommandError) {
    err.write(`Error: ${error.message}\n`);
    return 1;
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  err.write(`Error: ${message}\n`);
  return 1;
}

const allOptionNames = new Set([
  ...Object.keys(globalOptions),
  ...commands.flatMap((c) => Object.keys(c.options)),
]);

/** Finds the command word, skipping global options and their values wherever they stand. */
function splitCommand(argv: readonly string[]): { name: string | undefined; rest: string[] } {
  const rest = [...argv];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string;
    if (arg === '--') break;
    if (arg.startsWith('-')) {
      const name = arg.replace(/^-+/, '').split('=')[0] as string;
      const spec = globalOptions[name] ?? commands.find((c) => c.options[name])?.options[name];
      if (spec?.type === 'string' && !arg.includes('=')) i++;
      continue;
    }
    rest.splice(i, 1);
    return { name: arg, rest };
  }
  return { name: undefined, rest };
}

function findCommand(name: string): CommandSpec {
  const command = commands.find((c) => c.name === name);
  if (!command) {
    const near = commands.filter((c) => c.name.startsWith(name.slice(0, 3))).map((c) => c.name);
    const hint = near.length > 0 ? ` Did you mean ${near.join(' or ')}?` : '';
    throw new UsageError(`Unknown command "${name}".${hint}`);
  }
  return command;
}

function parse(command: CommandSpec, args: readonly string[]) {
  const options = { ...globalOptions, ...command.options };
  try {
    return parseArgs({
      args: [...args],
      options: Object.fromEntries(
        Object.entries(options).map(([name, o]) => [
          name,
          { type: o.type, ...(o.short ? { short: o.short } : {}) },
        ]),
      ),
      allowPositionals: true,
      strict: true,
    }) as { values: Values; positionals: string[] };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const message = (error as Error).message;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const option = /'([^']+)'/.exec(message)?.[1] ?? message;
      const elsewhere = allOptionNames.has(option.replace(/^-+/, ''));
      throw new UsageError(
        `Unknown option ${option} for ${command.name}${elsewhere ? ' (another command takes it)' : ''}`,
        command.name,
      );
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE')
      throw new UsageError(message.split('.')[0] as string, command.name);
    throw new UsageError(message, command.name);
  }
}

function optionLines(options: Readonly<Record<string, OptionSpec>>): string[] {
  const rows = Object.entries(options).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.value ? ` ${o.value}` : ''}`;
    return [flag, o.description] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`);
}

function usageLine(c: CommandSpec): string {
  const args = [...c.args.map((a) => ` <${a}>`), ...(c.optionalArgs ?? []).map((a) => ` [<${a}>]`)].join('');
  const opts = Object.entries(c.options)
    .map(([name, o]) =>
      name === 'out' ? ` --out ${o.value}` : ` [--${name}${o.value ? ` ${o.value}` : ''}]`,
    )
    .join('');
  return `npm run course -- ${c.name}${args}${opts}`;
}

/** The overall help text. */
export function overallHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `Operate the email course: ${course.title} (${course.id}).`,
    '',
    'Usage: npm run course -- <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Options for every command:',
    ...optionLines(globalOptions),
    '',
    'Without --stack the commands use the local stack started by `npm start`',
    '(DynamoDB at localhost:$DYNAMODB_PORT, SES at localhost:$INBOX_PORT).',
    'Run `npm run course -- <command> --help` for a command’s options and examples.',
    '',
  ].join('\n');
}

/** The help text of one command. */
export function commandHelp(c: CommandSpec): string {
  return [
    `${c.summary[0]?.toUpperCase()}${c.summary.slice(1)}.`,
    '',
    `Usage: ${usageLine(c)}`,
    ...(c.details ? ['', c.details] : []),
    ...(Object.keys(c.options).length > 0 ? ['', 'Options:', ...optionLines(c.options)] : []),
    '',
    'Target:',
    ...optionLines({ stack: globalOptions.stack as OptionSpec, region: globalOptions.region as OptionSpec }),
    '',
    'Examples:',
    ...c.examples.map((e) => `  ${e}`),
    '',
  ].join('\n');
}
