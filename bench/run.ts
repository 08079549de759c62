/**
 * `npm run bench [-- section...]`: runs the benchmark sections (all by default), prints
 * a table for each, stores the figures in bench/results.json and rewrites BENCHMARKS.md
 * from every stored section, so running one section keeps the others' last figures.
 * `npm run bench -- --render-only` rewrites BENCHMARKS.md from bench/results.json alone.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, platform, release, totalmem, type } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LambdaName } from '../infra/bundling.js';
import type { BundleFigures, BundlesFigures } from './bundles.js';
import { runBundlesBench } from './bundles.js';
import { type CostFigures, PRICES, runCostBench, type Usage } from './cost.js';
import { type DripFigures, runDripBench, type StoreFigures } from './drip.js';
import { FIXED_MONTHLY_TARGET_DOLLARS } from './fixed-cost.js';
import { type PacingFigures, runPacingBench } from './pacing.js';
import { closeLargeTable } from './population.js';
import { runRenderBench } from './render.js';
import { runSignupBench, type SignupFigures } from './signup.js';
import { runStatsBench, type StatsFigures } from './stats.js';
import { mean } from './support.js';
import { runSweepBench, type SweepFigures } from './sweep.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const resultsFile = join(root, 'bench/results.json');
const reportFile = join(root, 'BENCHMARKS.md');

interface Results {
  machine: Record<string, string | number>;
  date: string;
  /** When each section last ran. */
  measured?: Record<string, string>;
  [key: string]: unknown;
}

/** One line of a section's table; `met` is absent where the brief sets no target. */
interface Row {
  readonly measure: string;
  readonly result: string;
  readonly target?: string;
  readonly met?: boolean;
}

/** One benchmark: how to run it and how to report its stored figures. */
interface BenchSection {
  readonly name: string;
  readonly title: string;
  /** Top-level keys of results.json the section writes. */
  readonly keys: readonly string[];
  run(results: Results): Promise<Record<string, unknown>>;
  rows(results: Results): readonly Row[];
  /** Markdown after the table: method, and what the numbers mean. */
  note(results: Results): string;
}

// ---------------------------------------------------------------- formatting

const int = (v: number) => Math.round(v).toLocaleString('en-GB');
const fixed = (v: number, digits = 2) =>
  v.toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const us = (v: number) => `${fixed(v, v < 10 ? 2 : 0)} µs`;
const ms = (v: number) => `${fixed(v, v < 10 ? 2 : 1)} ms`;
const kb = (bytes: number) => `${fixed(bytes / 1024, 1)} KB`;
const pct = (v: number, digits = 1) => `${fixed(v * 100, digits)} %`;
const usd = (v: number) => `$${v < 0.01 ? v.toFixed(5) : v < 1 ? v.toFixed(4) : v.toFixed(2)}`;
const get = <T>(results: Results, key: string) => results[key] as T;

const lambdaNames: readonly LambdaName[] = ['api', 'sweep', 'sender', 'mailEvents'];
const MAX_BUNDLE_BYTES = 700 * 1024;

// ---------------------------------------------------------------- sections

const sections: readonly BenchSection[] = [
  {
    name: 'render',
    title: 'Email rendering: compile per send vs precompiled',
    keys: ['render'],
    run: async () => ({ render: await runRenderBench() }),
    rows: (r) => {
      const f = get<{ compilePerSendUs: number; precompiledUs: number; ratio: number }>(r, 'render');
      return [
        {
          measure: 'Compile per send (mjml2html + html-to-text + fill), median',
          result: us(f.compilePerSendUs),
        },
        { measure: 'Precompiled (`renderEmail`), median', result: us(f.precompiledUs) },
        {
          measure: 'Speed-up (`render.ratio`)',
          result: `${int(f.ratio)}×`,
          target: '≥ 500×',
          met: f.ratio >= 500,
        },
      ];
    },
    note: (r) =>
      `Lesson 1 with its sample data. Compiling the MJML at build time and filling placeholders at send time is ${int(get<{ ratio: number }>(r, 'render').ratio)} times faster, and keeps mjml out of the Lambda bundles.`,
  },
  {
    name: 'drip',
    title: 'Drip throughput: sweep and sender on dynalite',
    keys: ['drip', 'store'],
    run: async () => runDripBench(),
    rows: (r) => {
      const d = get<DripFigures>(r, 'drip');
      const s = get<StoreFigures>(r, 'store');
      return [
        {
          measure: `Subscribers due, through sweep and sender (${d.concurrency} SQS batches of ${d.batchSize} at once)`,
          result: `${int(d.emailsSent)} sent in ${fixed(d.seconds, 1)} s, ${int(d.duplicates)} duplicates`,
        },
        { measure: 'Emails per second (`drip.emailsPerSecond`)', result: fixed(d.emailsPerSecond, 1) },
        {
          measure: 'DynamoDB reads per email (`drip.readsPerEmail`, sweep queries included)',
          result: `${fixed(d.readsPerEmail, 3)} (sweep: ${fixed(d.sweepQueriesPerEmail, 3)})`,
          target: '≤ 2',
          met: d.readsPerEmail <= 2,
        },
        {
          measure: 'DynamoDB writes per email (`drip.writesPerEmail`)',
          result: fixed(d.writesPerEmail, 3),
          target: '≤ 3',
          met: d.writesPerEmail <= 3,
        },
        {
          measure: `Store ceiling: versioned puts per second at concurrency ${s.concurrency} (\`store.updatesPerSecond\`)`,
          result: `${fixed(s.updatesPerSecond, 1)} (before the drip ${fixed(s.beforeDrip, 1)}, after ${fixed(s.afterDrip, 1)})`,
        },
        {
          measure: 'Store utilisation: emails/s × writes/email ÷ store puts/s (`drip.storeUtilisation`)',
          result: pct(d.storeUtilisation),
          target: '≥ 50 %',
          met: d.storeUtilisation >= 0.5,
        },
        {
          measure: 'Request units per email: read / write (table + due index)',
          result: `${fixed(d.readUnitsPerEmail, 2)} RRU / ${fixed(d.writeUnitsPerEmail, 2)} WRU (${fixed(d.tableWriteUnitsPerEmail, 2)} + ${fixed(d.indexWriteUnitsPerEmail, 2)})`,
        },
        {
          measure: 'SQS requests per email (send batch, receive, delete)',
          result: fixed(d.sqsRequestsPerEmail, 3),
        },
        {
          measure: 'Sender handler time per batch of 10, one batch at a time',
          result: `${ms(d.handlerMsPerInvocation)} (${ms(d.handlerMsPerEmail)} per email)`,
        },
        { measure: 'Sweeps (total time)', result: `${d.sweeps} (${ms(d.sweepMs)})` },
      ];
    },
    note: (r) => {
      const d = get<DripFigures>(r, 'drip');
      return [
        `${int(d.subscribers)} active subscribers, spread evenly from lesson 1 to the closing email and all due a minute ago, are written straight into dynalite (in-process, in memory) with BatchWrite. The measured run then repeats: one sweep (the sweep handler, queueing into an in-memory queue that counts the SQS requests SqsQueue would make), then ${d.concurrency} workers, each standing for one sender Lambda instance, take batches of ${d.batchSize} off the queue and run the sender handler on them (Powertools batch processing, \`sendNext\` for each record, one after another), until a sweep finds nothing due. The mailer accepts every email at once; no pacer. Every DynamoDB request the store sends is counted by wrapping the document client's \`send\`: GetItem and Query are reads, PutItem and UpdateItem are writes; the sweep's queries are included, spread over the emails.`,
        '',
        `Per email the sender makes 1 read and 2 writes: get (strongly consistent), claim, record; the course counters take one more write per batch. Request units come from dynalite's consumed capacity for the table; the due index's write units are worked out from DynamoDB's rules (the record moves the index key: 2 units; the closing email removes the entry: 1; the claim leaves the entry alone: 0). The store ceiling is versioned puts that move the due time, as the record does, on ${int(get<StoreFigures>(r, 'store').records)} records of the same shape, at the same concurrency, once before and once after the drip in the same run (the mean is the ceiling). Every email of the run is checked to go out exactly once.`,
        '',
        `All DynamoDB requests together ran at ${fixed(d.emailsPerSecond * (d.readsPerEmail + d.writesPerEmail), 0)} per second, ${pct((d.emailsPerSecond * (d.readsPerEmail + d.writesPerEmail)) / get<StoreFigures>(r, 'store').updatesPerSecond, 0)} of the put ceiling: what the writes leave of the ceiling goes to the strongly consistent get before each send (${pct(d.readsPerEmail / (d.readsPerEmail + d.writesPerEmail), 0)} of the requests) and to the handler's own work (Powertools batch processing, rendering, link signing), all on the one Node.js thread that also runs dynalite.`,
        '',
        `Handler time per batch comes from a separate run of ${int(d.latencySubscribers)} subscribers sent one batch at a time (nothing else running), the basis of the cost model's Lambda duration. Locally it is mostly dynalite's and the SDK's CPU time; on AWS the same handler waits on network round trips instead.`,
      ].join('\n');
    },
  },
  {
    name: 'sweep',
    title: 'Sweep scaling: reads follow the due, not the table',
    keys: ['sweep'],
    run: async () => ({ sweep: await runSweepBench() }),
    rows: (r) => {
      const s = get<SweepFigures>(r, 'sweep');
      const within = (v: number) => Math.abs(v - 1) <= 0.1;
      return [
        {
          measure: 'Subscribers / due now (`sweep.due`) / active (due now or later)',
          result: `${int(s.subscribers)} / ${int(s.due)} / ${int(s.active)}`,
        },
        {
          measure: 'Entries in the sparse due index (Scan of the index)',
          result: `${int(s.indexItems)}`,
          target: '= active',
          met: s.indexItems === s.active,
        },
        {
          measure: 'Items the sweep read, by its own count (`sweep.itemsRead`)',
          result: int(s.itemsRead),
          target: `within 10 % of ${int(s.due)}`,
          met: within(s.readRatio),
        },
        {
          measure: 'Read ratio: items read ÷ due (`sweep.readRatio`)',
          result: fixed(s.readRatio, 3),
          target: '0.9 – 1.1',
          met: within(s.readRatio),
        },
        {
          measure: 'Query ScannedCount / Count, summed over the responses (counted)',
          result: `${int(s.queryScanned)} / ${int(s.queryReturned)}`,
          target: `within 10 % of ${int(s.due)}`,
          met: within(s.scannedRatio),
        },
        { measure: 'Query requests / read units', result: `${int(s.queries)} / ${fixed(s.readUnits, 1)}` },
        { measure: 'Sweep time, median of 7', result: ms(s.ms) },
      ];
    },
    note: (r) => {
      const s = get<SweepFigures>(r, 'sweep');
      const share = (state: string) => pct((s.byStatus[state] ?? 0) / s.subscribers);
      return `${int(s.subscribers)} subscribers written with BatchWrite in ${fixed(s.seedSeconds, 1)} s: ${share('due')} active and due a minute ago, ${share('later')} active and due from an hour to a week ahead, ${share('pending')} pending, ${share('unsubscribed')} unsubscribed, ${share('completed')} completed, ${share('bounced')} bounced and ${share('complained')} complained. Only active subscribers with an email to come carry the due-index keys, so the index holds exactly the active ones (checked with a Scan of the index), and the sweep's key condition (\`dueAt <= now\`, per shard) stops at the first entry not yet due. The sweep runs against a queue that only counts; the items-read figure is the sweep's own return value, the ScannedCount the sum over the Query responses (both from the first run); the time is the median of seven further runs.`;
    },
  },
  {
    name: 'signup',
    title: 'Sign-up through the local HTTP server',
    keys: ['signup'],
    run: async () => ({ signup: await runSignupBench() }),
    rows: (r) => {
      const s = get<SignupFigures>(r, 'signup');
      return [
        {
          measure: 'Requests / concurrent clients',
          result: `${int(s.requests)} / ${s.clients} (${int(s.accepted)} accepted, ${int(s.failed)} failed)`,
        },
        { measure: 'Requests per second (`signup.rps`)', result: fixed(s.rps, 1) },
        { measure: 'Latency p50 (`signup.p50Ms`)', result: ms(s.p50Ms) },
        { measure: 'Latency p90', result: ms(s.p90Ms) },
        { measure: 'Latency p99 (`signup.p99Ms`)', result: ms(s.p99Ms) },
        { measure: 'Latency max', result: ms(s.maxMs) },
      ];
    },
    note: (r) => {
      const s = get<SignupFigures>(r, 'signup');
      return `\`startLocalStack\` on free loopback ports, quiet (the same API handler as the Lambda, dynalite in-process, the SES emulator, the local HTTP server), with the sweep loop and the made-up delivery events held off so only sign-ups run. ${s.clients} clients in the same process post JSON sign-ups with distinct addresses over keep-alive connections, ${int(s.requests)} requests in all (bounded at 90 s), after 100 warm-up requests. Each sign-up reads the record, writes it, bumps a counter, renders the confirmation email and sends it to the SES emulator, and bumps another counter, all on one Node.js thread shared with dynalite, the SES emulator and the clients: the figures are a floor for one machine, not a forecast for API Gateway and Lambda, whose throttle (10 requests/s, burst 20 by default) is far below them.`;
    },
  },
  {
    name: 'bundles',
    title: 'Lambda bundles: size and cold import',
    keys: ['bundles'],
    run: async () => ({ bundles: await runBundlesBench() }),
    rows: (r) => {
      const b = get<BundlesFigures>(r, 'bundles');
      const rows: Row[] = [];
      for (const name of lambdaNames) {
        const f = b[name] as BundleFigures;
        rows.push({
          measure: `\`${name}\` minified size (\`bundles.${name}.bytes\`)`,
          result: kb(f.bytes),
          target: '< 700 KB',
          met: f.bytes < MAX_BUNDLE_BYTES,
        });
        rows.push({
          measure: `\`${name}\` cold import, ratio to \`node -e ''\` (\`bundles.${name}.coldImportRatio\`)`,
          result: `${fixed(f.coldImportRatio, 2)} (${ms(f.coldImportMs)}; ${ms(f.coldImportWithSourceMapsMs)} with source maps applied)`,
          target: '< 3',
          met: f.coldImportRatio < 3,
        });
      }
      rows.push({ measure: "`node -e ''`, median", result: ms(b.emptyNodeMs) });
      rows.push({
        measure: 'For scale: a bundle that only builds the DynamoDB document client',
        result: `${kb(b.dynamoClientOnly.bytes)}, ratio ${fixed(b.dynamoClientOnly.coldImportRatio, 2)} (${ms(b.dynamoClientOnly.coldImportMs)})`,
      });
      return rows;
    },
    note: (r) => {
      const b = get<BundlesFigures>(r, 'bundles');
      const largest = lambdaNames.map((n) => `\`${n}\`: ${(b[n] as BundleFigures).largest}`).join('; ');
      const method = `Each handler bundled by infra's \`bundleFunctions\` with the settings the stack's NodejsFunction uses (esbuild, platform node, target node24, ESM, minified, external source map, AWS SDK and Powertools bundled). Cold import: a fresh \`node --input-type=module -e "await import('<bundle>')"\` per run, with every environment variable the stack sets filled with dummy values and no \`NODE_OPTIONS\`, as on Lambda (the source map ships but is not applied; with \`--enable-source-maps\` it is timed too), against a fresh \`node -e ''\`; ${b.runs} interleaved runs each, medians, wall time of the whole process. This machine runs Node.js ${r.machine.node}, Lambda runs Node.js 24. Largest parts: ${largest}.`;
      const slow = lambdaNames.filter((n) => (b[n] as BundleFigures).coldImportRatio >= 3);
      if (slow.length === 0) return method;
      const maps = mean(
        lambdaNames.map(
          (n) => (b[n] as BundleFigures).coldImportWithSourceMapsMs - (b[n] as BundleFigures).coldImportMs,
        ),
      );
      return `${method}\n\n**Why ${slow.map((n) => `\`${n}\``).join(' and ')} miss${slow.length === 1 ? 'es' : ''} the ratio of 3:** a bundle that does nothing but build a DynamoDB document client already imports at ${fixed(b.dynamoClientOnly.coldImportRatio, 2)}× an empty process: the SDK's modules and the Node.js built-ins its HTTP handler loads at import (http, https, tls and its root certificates, zlib). Every handler needs that client, so the ratio of 3 leaves ${ms(3 * b.emptyNodeMs - b.dynamoClientOnly.coldImportMs)} for everything else. Applying source maps is already off (it would add ${ms(maps)} on average); the rest is each handler's own share of clients, Powertools and libraries (largest parts above). What would bring them under: in the API, build the AWS clients on first use instead of at import (its pages and assets need none of them, so those cold starts would skip the SDK's start entirely).`;
    },
  },
  {
    name: 'cost',
    title: 'Cost per 1,000 subscribers who complete the course',
    keys: ['cost'],
    run: async (results) => {
      const drip = results.drip as DripFigures | undefined;
      if (!drip) throw new Error('The cost model needs the drip figures: run `npm run bench -- drip cost`');
      return { cost: await runCostBench(drip) };
    },
    rows: (r) => {
      const c = get<CostFigures>(r, 'cost');
      return [
        ...Object.entries(c.lines).map(([item, dollars]) => ({
          measure: item,
          result: `${usd(dollars)} (${pct(dollars / c.totalDollars, 2)})`,
        })),
        { measure: '**Total per 1,000 completing subscribers**', result: `**${usd(c.totalDollars)}**` },
        {
          measure: 'SES share / infrastructure share (`cost.infraShare`)',
          result: `${pct(1 - c.infraShare)} / ${pct(c.infraShare)}`,
          target: 'infrastructure < 5 %',
          met: c.infraShare < 0.05,
        },
        {
          measure:
            'Fixed cost a month, default configuration, from the template (`cost.fixedMonthlyDollars`)',
          result: usd(c.fixedMonthlyDollars),
          target: `< $${FIXED_MONTHLY_TARGET_DOLLARS}`,
          met: c.fixedMonthlyDollars < FIXED_MONTHLY_TARGET_DOLLARS,
        },
        {
          measure: 'Infrastructure share if every Lambda invocation billed 100 ms',
          result: pct(c.infraShareAt100msLambdas),
        },
      ];
    },
    note: (r) => {
      const c = get<CostFigures>(r, 'cost');
      const t = c.perSubscriber.total;
      const m = c.measured;
      const stage = (label: string, u: Usage) =>
        `| ${label} | ${fixed(u.emails, 0)} | ${fixed(u.apiRequests, 0)} | ${fixed(u.lambdaInvocations, 2)} | ${fixed(u.lambdaMs, 1)} | ${fixed(u.readUnits, 2)} | ${fixed(u.writeUnits, 2)} | ${fixed(u.sqsRequests, 2)} | ${fixed(u.events, 0)} | ${kb(u.logBytes)} |`;
      const fixedRows = Object.entries(c.fixedMonthly).map(
        ([item, dollars]) => `| ${item} | ${usd(dollars)} |`,
      );
      return [
        `List prices in ${PRICES.region} as of ${c.pricesAsOf} (constants in bench/cost.ts): SES $0.10 per 1,000 emails; Lambda arm64 $0.0000133334 per GB-s and $0.20 per million requests; DynamoDB on demand $0.625 per million write and $0.125 per million read request units (after the November 2024 cut); SQS $0.40 per million requests; HTTP API $1.00 per million requests; SES events on the default event bus priced like custom events at $1.00 per million (AWS management events are free; if SES's mail events count as such, the EventBridge line drops out); CloudWatch Logs $0.50 per GB ingested; data transfer out $0.09 per GB. No free tier.`,
        '',
        `Per completing subscriber: ${fixed(t.emails, 0)} emails, ${fixed(t.apiRequests, 0)} API requests (sign-up page, stylesheet, script, JSON sign-up, confirm page, confirm POST), ${fixed(t.lambdaInvocations, 1)} Lambda invocations, ${fixed(t.readUnits, 1)} RRU and ${fixed(t.writeUnits, 1)} WRU, ${fixed(t.sqsRequests, 2)} SQS requests, ${fixed(t.events, 0)} SES events (${c.eventsPerEmail.join(' and ')} for each email: what the configuration set publishes of the events every email produces; opens and clicks depend on the reader and are not modelled), ${kb(t.logBytes)} of logs.`,
        '',
        '| Stage, per subscriber | Emails | API requests | Invocations | Billed Lambda ms | RRU | WRU | SQS requests | Events | Logs |',
        '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
        stage('Sign-up and confirm (API), counted here', c.perSubscriber.signupAndConfirm),
        stage('Lesson 1 (queued by confirm, a batch of one), counted here', c.perSubscriber.lesson1),
        stage('Five emails swept in batches of ten (drip section)', c.perSubscriber.sweptEmails),
        ...Object.entries(c.mailEventsByType).map(([type, usage]) =>
          stage(
            `SES ${type} events of the seven emails (two one by one, five in batches of ten), counted here`,
            usage as Usage,
          ),
        ),
        stage('**Total**', t),
        '',
        `Method: ${int(m.lifecycleSubscribers ?? 0)} sign-ups go through the API handler (\`createApi\`, as the Lambda runs it) on dynalite with a counted document client: every request of the hosted flow, the confirmation link followed from the captured email. Lesson 1 then goes through the sender handler one record per invocation, as the confirm step queues it; the SES events (${c.eventsPerEmail.join(' and ')}) go through the mail-events handler as its queue hands them over: the confirmations' one per invocation (people sign up one by one), lesson 1's in batches of ten, standing for the five swept emails' (sent in bursts at the send hour, their events arrive within the queue's five-second batching window); each event is an EventBridge event, EventBridge's SendMessage to the queue, and its share of a batch's invocation, ReceiveMessage and DeleteMessageBatch; the handler bumps the course counters once per batch. The other five emails use the drip section's counted figures per email. DynamoDB is priced by request units (item size, strongly consistent reads, and the due index's write units), not requests. Lambda duration is the MEASURED handler time here (API ${ms(m.apiMsPerRequest ?? 0)} per request, lesson 1 ${ms(m.lesson1MsPerInvocation ?? 0)}, a batch of ten ${ms(m.sweptEmailMsPerInvocation ?? 0)}, ${c.eventsPerEmail.map((type) => `a ${type} event alone ${ms(m[`${type.charAt(0).toLowerCase()}${type.slice(1)}EventMs`] ?? 0)}, a batch of ten ${ms(m[`${type.charAt(0).toLowerCase()}${type.slice(1)}BatchMs`] ?? 0)}`).join(', ')}) rounded up to the millisecond, plus the sign-up's response-time floor (\`SIGNUP_MIN_MS\`, billed but not slept here), at the house construct's ${m.lambdaMemoryMb} MB; on AWS the handlers wait for network round trips, hence the 100 ms line. Log bytes: Powertools JSON lines as the handlers write them at the default level, INFO (the sender's and the mail-events function's per-item lines are DEBUG, one INFO summary per batch), the EMF metrics the template's configuration publishes (without the dashboard only the guard's), Lambda's START/END/REPORT lines only if the template leaves the functions' system log level at INFO (it sets WARN), and the API access log.`,
        '',
        costFindings(c, r.drip as DripFigures | undefined),
        '',
        `Costs that do not grow with subscribers, per month, counted in the template \`cdk synth\` makes of course.config.json (bench/fixed-cost.ts; total ${usd(c.fixedMonthlyDollars)}${c.fixedMonthlyWithDashboardDollars === undefined ? '' : `, or ${usd(c.fixedMonthlyWithDashboardDollars)} with \`dashboard: true\`, whose graphs need every metric published`}). CloudWatch's first three dashboards in an account cost nothing; they are priced here anyway. The two secrets stay two (US$0.40 a month more than one): CloudFormation generates one random value per secret, the link keys' secret is edited by hand at every rotation where a slip must not touch the key every subscriber id is made from, and that key's secret is retained with the table and never rotated:`,
        '',
        '| Item | Per month |',
        '| --- | --- |',
        ...fixedRows,
      ].join('\n');
    },
  },
  {
    name: 'pacing',
    title: 'Sending at the SES account’s rate',
    keys: ['pacing'],
    run: async () => ({ pacing: await runPacingBench() }),
    rows: (r) => {
      const p = get<PacingFigures>(r, 'pacing');
      return [
        ...p.runs.map((run) => ({
          measure: `Quota ${run.quota}/s, ${run.senders} sender${run.senders > 1 ? 's' : ''}: ${int(run.emails)} emails`,
          result: `${fixed(run.emailsPerSecond, 1)}/s, utilisation ${pct(run.utilisation)}, ${int(run.throttled)} throttled, ${int(run.duplicates)} twice`,
        })),
        {
          measure: 'Lowest utilisation: emails per second ÷ quota (`pacing.minUtilisation`)',
          result: pct(p.minUtilisation),
          target: '≥ 90 %',
          met: p.minUtilisation >= 0.9,
        },
        {
          measure: 'SES throttling errors, all runs (`pacing.throttled`)',
          result: int(p.throttled),
          target: '0',
          met: p.throttled === 0,
        },
      ];
    },
    note: (r) => {
      const p = get<PacingFigures>(r, 'pacing');
      return `Each run: subscribers with an email due (${p.secondsPerRun} s of the quota's worth) on one queue, taken in SQS batches of ten by 1, 2, 4 or 8 concurrent sender instances, each the sender handler as the Lambda wires it: its own pacer (banking at most a tenth of a second of its pace), the account's rate read through SES v2 GetAccount (cached per instance) shared by the instances, a batch in flight at once. The SES double answers GetAccount with the quota and SendEmail after ${p.sesLatencyMs} ms, taking a token from a bucket that refills at the quota and holds one second of it (SES allows short bursts), else it throws TooManyRequestsException and accepts nothing; the real SesMailer maps that. The store keeps records in memory with DynamoDB's conditional writes and ${p.storeLatencyMs} ms per request, so the pace, not dynalite's CPU on this one thread, is measured (the drip section measures the store). A failed request goes back to the queue, as SQS would hand it out again. Emails per second run from the first acceptance to the moment the queue ran dry, while every sender had work; a run just over 100 % is the first send of each instance going at once (within SES's burst). Every run checks that SES accepted each email exactly once. tests/bench/pacing.test.ts also runs senders blind to the account's rate: SES throttles, the senders slow down and send again, and still every email goes exactly once.`;
    },
  },
  {
    name: 'stats',
    title: '`course stats` with 100,000 subscribers',
    keys: ['stats'],
    run: async () => ({ stats: await runStatsBench() }),
    rows: (r) => {
      const s = get<StatsFigures>(r, 'stats');
      return [
        { measure: 'Subscribers', result: int(s.subscribers) },
        {
          measure: `\`runStats\` median of ${s.runs} (\`stats.ms\`)`,
          result: ms(s.ms),
          target: '< 1,000 ms',
          met: s.ms < 1000,
        },
        { measure: '`runStats` p90', result: ms(s.p90Ms) },
        { measure: 'DynamoDB reads per run', result: fixed(s.readsPerRun, 0) },
        {
          measure: '`course report`: items read per run (`stats.reportItemsPerRun`)',
          result: fixed(s.reportItemsPerRun, 0),
          target: '< 200',
          met: s.reportItemsPerRun < 200,
        },
        {
          measure: '`course report`: requests and read units per run',
          result: `${fixed(s.reportRequestsPerRun, 0)} requests, ${fixed(s.reportReadUnitsPerRun, 1)} RRU`,
        },
        {
          measure: '`course report`: reads and page, median / p90',
          result: `${ms(s.reportMs)} / ${ms(s.reportP90Ms)}`,
        },
        { measure: '`course report`: page size', result: `${int(s.reportBytes)} bytes` },
      ];
    },
    note: () =>
      "The same 100,000-subscriber table as the sweep section, with the course counters written through the store's own `increment` to agree with the records. `runStats` is what `course stats` runs after building its context: one strongly consistent read of the counters item, the funnel, and the formatted table (written to a counting sink). Its cost does not depend on the number of subscribers, because every write path keeps the counters; process start-up of the CLI (tsx, SDK) is not included. `course report` is timed on the same table after 90 day items are written: what it runs after building its context (the totals, the 90 day items in one BatchGetItem, the guard's item; then the figures and the HTML page, not written to disk).",
  },
];

/** What drives the infrastructure share, from the figures themselves. */
function costFindings(c: CostFigures, drip: DripFigures | undefined): string {
  const line = (item: string) => c.lines[item] ?? 0;
  const writes = line('DynamoDB writes');
  const share = (name: string, dollars: number) => `${name} (${pct(dollars / c.sesDollars)})`;
  // infra ÷ (SES + infra) < 5 % means infra < SES × 5/95.
  const budget = (c.sesDollars * 0.05) / 0.95;
  const s = c.perSubscriber;
  const deliveryUnits = (c.mailEventsByType.Delivery?.writeUnits ?? 0) / c.emailsPerSubscriber;
  // Claim and record at 1 WRU each, plus the due index: 2 units per move, 1 to remove the entry after the last email.
  const floorUnits = (c.emailsPerSubscriber - 1) * 4 + 3;
  const floorDollars = floorUnits * PRICES.dynamoPerWriteUnit * c.subscribers;
  const otherDollars = c.infraDollars - writes;
  const floorShare = (floorDollars + otherDollars) / (floorDollars + otherDollars + c.sesDollars);
  if (c.infraShare < 0.05) return '**The infrastructure share is under 5 %.**';
  return [
    `**Why the infrastructure share still misses 5 %:** 5 % of the bill leaves ${usd(budget)} of infrastructure per 1,000 completing subscribers beside SES's ${usd(c.sesDollars)}; it is ${usd(c.infraDollars)}. DynamoDB writes are ${pct(writes / c.infraDollars, 0)} of that (${fixed(s.total.writeUnits, 1)} WRU per subscriber, ${pct(writes / c.sesDollars)} of the SES bill), then ${share('logs', line('CloudWatch Logs ingestion'))}, ${share('SES events', line('EventBridge (SES events)'))}, ${share('API Gateway', line('API Gateway HTTP API'))} and ${share('Lambda requests', line('Lambda requests'))}.`,
    ` The writes that remain each serve the product: sign-up and confirm take ${fixed(s.signupAndConfirm.writeUnits, 1)} WRU (the record with its consent, the confirmation, their counters);`,
    ` each email ${fixed(s.sweptEmails.writeUnits / s.sweptEmails.emails, 1)} WRU when swept (${fixed(s.lesson1.writeUnits, 1)} for lesson 1, a batch of its own)`,
    drip
      ? ` in ${fixed(drip.writesPerEmail, 1)} write requests: the claim, a conditional write with a lease so that no two senders send the same email, and the record of the send, conditional on that claim (\`sent\`, the next lesson scheduled, which moves the due-index key: 2 index WRU, 1 when the closing email removes the entry, ${fixed(drip.indexWriteUnitsPerEmail, 2)} on average), each 1–2 WRU for a 1–2 KB record. Together they make each email go out exactly once; the course counters are down to a tenth of a write per email (one per batch of ten).`
      : ': the claim and the record of the send, which together make each email go out exactly once.',
    ` Each Delivery event takes ${fixed(deliveryUnits, 1)} WRU on average: the subscriber's delivery count for that lesson (opens and clicks likewise), which the product keeps per subscriber and which remembers the event's id so a redelivery counts once, and its share of the batch's course-wide count.`,
    ` Counting no write but the claims and records, at 1 WRU a put (records under 1 KB) and with their index writes, seven emails would still take ${floorUnits} WRU (${usd(floorDollars)}); with the rest of the infrastructure as it is (${usd(otherDollars)}), the share would be ${pct(floorShare)}. So 5 % is out of reach as long as each email is claimed and recorded (exactly once) and the product keeps per-subscriber delivery, open and click counts (a record write, an SES event and an invocation per email).`,
    ` Everything but the writes already comes to ${usd(otherDollars)}, ${pct(otherDollars / (otherDollars + c.sesDollars))} of the bill on its own: the SES events (EventBridge and their queue), the six API requests of a sign-up and the sign-up's one-second response floor. What is left to trim without giving a guarantee up: records under 1 KB (no SES message id in \`sent\`, a shorter stored user agent), worth about half a point.`,
  ].join('');
}

// ---------------------------------------------------------------- report

function machine(): Results['machine'] {
  const cpu = cpus();
  return {
    os: `${type()} ${release()} (${platform()})`,
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
  };
}

const has = (results: Results, section: BenchSection) =>
  section.keys.every((key) => results[key] !== undefined);
const mark = (row: Row) => (row.met === undefined ? '' : row.met ? 'pass' : '**FAIL**');

/** Prose lines of BENCHMARKS.md are wrapped at this width; tables are left whole. */
const PROSE_WIDTH = 100;

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const anchor = (heading: string) =>
  heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

// A line starting with one of these would turn prose into a list, quote, heading or table.
const blockStart = /^([-+*>|#=]+|\d+[.)])$/;

/** Wraps one paragraph at PROSE_WIDTH, never inside a code span. */
function wrapParagraph(paragraph: string): string[] {
  const words: string[] = [];
  let inCode = false;
  for (const word of paragraph.split(' ')) {
    if (inCode) words[words.length - 1] += ` ${word}`;
    else words.push(word);
    if ((word.match(/`/g)?.length ?? 0) % 2 === 1) inCode = !inCode;
  }
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line === '') line = word;
    else if (line.length + 1 + word.length <= PROSE_WIDTH || blockStart.test(word)) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** Wraps every prose line of a block of markdown; headings, tables and blank lines stay as they are. */
function prose(markdownText: string): string {
  return markdownText
    .split('\n')
    .flatMap((line) =>
      line === '' || line.startsWith('|') || line.startsWith('#') ? [line] : wrapParagraph(line),
    )
    .join('\n');
}

/**
 * The report. Target verdicts appear once, in the summary table at the top (with a link to
 * their section); each section's own table holds only the figures that are not targets.
 */
function markdown(results: Results): string {
  const m = results.machine;
  const reported = sections.filter((s) => has(results, s));
  const targets = reported.flatMap((s) =>
    s
      .rows(results)
      .filter((row) => row.met !== undefined)
      .map((row) => ({ row, section: s })),
  );
  const lines = [
    '# Benchmarks',
    '',
    prose(
      `Measured with \`npm run bench\` (one section: \`npm run bench -- <name>\`, names: ${sections.map((s) => `\`${s.name}\``).join(', ')}). Raw figures are in \`bench/results.json\`; each section below says when it last ran. \`npm run bench -- --render-only\` rewrites this file from those figures without measuring. The targets are in the first table; each section's table holds its other figures.`,
    ),
    '',
    '| Machine | |',
    '| --- | --- |',
    `| OS | ${m.os} |`,
    `| CPU | ${m.cpu} |`,
    `| Cores | ${m.cores} |`,
    `| Memory | ${m.memoryGiB} GiB |`,
    `| Node.js | ${m.node} |`,
    `| Date | ${results.date} |`,
    '| Command | `npm run bench` |',
    '',
    `## Targets: ${targets.filter((t) => t.row.met).length} of ${targets.length} met`,
    '',
    '| Measure | Result | Target | | Section |',
    '| --- | --- | --- | --- | --- |',
    ...targets.map(
      ({ row, section }) =>
        `| ${row.measure} | ${row.result} | ${row.target} | ${mark(row)} | [${section.name}](#${anchor(section.title)}) |`,
    ),
  ];
  for (const section of reported) {
    const when = results.measured?.[section.name];
    const rows = section.rows(results);
    const figures = rows.filter((row) => row.met === undefined);
    const hasTargets = figures.length < rows.length;
    lines.push(
      '',
      `## ${section.title}`,
      '',
      prose(
        `Section \`${section.name}\`${when ? `, measured ${when}` : ''}.${hasTargets ? ' Its targets are in the summary table above.' : ''}`,
      ),
    );
    if (figures.length > 0) {
      lines.push('', '| Measure | Result |', '| --- | --- |');
      for (const row of figures) lines.push(`| ${row.measure} | ${row.result} |`);
    }
    lines.push('', prose(section.note(results)));
  }
  return `${lines.join('\n')}\n`;
}

async function main(argv: readonly string[]): Promise<void> {
  if (argv.includes('--render-only')) {
    if (argv.length > 1) throw new Error('--render-only takes no section names');
    const stored = JSON.parse(await readFile(resultsFile, 'utf8')) as Results;
    await writeFile(reportFile, markdown(stored));
    console.log('Wrote BENCHMARKS.md from bench/results.json');
    return;
  }
  const unknown = argv.filter((name) => !sections.some((s) => s.name === name));
  if (unknown.length > 0) throw new Error(`Unknown bench section(s): ${unknown.join(', ')}`);
  const chosen = argv.length > 0 ? sections.filter((s) => argv.includes(s.name)) : sections;
  const previous: Partial<Results> = existsSync(resultsFile)
    ? JSON.parse(await readFile(resultsFile, 'utf8'))
    : {};
  const results: Results = { ...previous, machine: machine(), date: new Date().toISOString() };
  results.measured = { ...previous.measured };
  const started = performance.now();
  try {
    for (const section of chosen) {
      const sectionStarted = performance.now();
      console.log(`\n${section.title}`);
      Object.assign(results, await section.run(results));
      results.measured[section.name] = new Date().toISOString();
      console.table(
        Object.fromEntries(
          section
            .rows(results)
            .map((row) => [row.measure, { result: row.result, target: row.target ?? '', met: mark(row) }]),
        ),
      );
      console.log(`(${fixed((performance.now() - sectionStarted) / 1000, 1)} s)`);
    }
  } finally {
    await closeLargeTable();
  }
  await writeFile(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(reportFile, markdown(results));
  const missed = sections
    .filter((s) => has(results, s))
    .flatMap((s) =>
      s
        .rows(results)
        .filter((row) => row.met === false)
        .map((row) => `${s.name}: ${row.measure}`),
    );
  console.log(
    `\nWrote bench/results.json and BENCHMARKS.md in ${fixed((performance.now() - started) / 1000, 1)} s`,
  );
  if (missed.length > 0) console.log(`Targets missed:\n  ${missed.join('\n  ')}`);
}

await main(process.argv.slice(2));
