/**
 * Sign-up through the local HTTP server (`npm start`'s stack: the API handler, dynalite,
 * the SES emulator), loopback only: concurrent clients post JSON sign-ups with distinct
 * addresses; each is a full sign-up (record written, confirmation email sent).
 */
import { Agent, request } from 'node:http';
import { startLocalStack } from '../scripts/local-stack.js';
import { mean, percentile, round } from './support.js';

export interface SignupBenchOptions {
  /** Requests in the measured run. @default 2000 */
  readonly requests?: number;
  /** Clients posting at once. @default 50 */
  readonly clients?: number;
  /** No new request starts after this many seconds. @default 90 */
  readonly maxSeconds?: number;
}

export interface SignupFigures {
  readonly requests: number;
  readonly clients: number;
  readonly accepted: number;
  readonly failed: number;
  readonly seconds: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
  readonly maxMs: number;
}

function post(agent: Agent, url: URL, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'knee-course-bench',
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export async function runSignupBench(options: SignupBenchOptions = {}): Promise<SignupFigures> {
  const total = options.requests ?? 2000;
  const clients = options.clients ?? 50;
  const deadline = (options.maxSeconds ?? 90) * 1000;
  const stack = await startLocalStack({
    port: 0,
    dynamoPort: 0,
    inboxPort: 0,
    host: '127.0.0.1',
    quiet: true,
    // Only the sign-up path is measured: no made-up delivery events or sweeps meanwhile.
    deliveryDelayMs: 3_600_000,
    sweepIntervalMs: 3_600_000,
    // Every client here is one process on one address; the budget is per real client.
    clientBudget: { limit: 1_000_000, windowMs: 3_600_000 },
  });
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  try {
    const url = new URL('/subscribe', stack.urls.site.replace('localhost', '127.0.0.1'));
    const body = (n: number, run: string) =>
      JSON.stringify({ email: `signup${n}@${run}.example`, firstName: 'Sam', timeZone: 'Europe/London' });

    // Warm up the server, the SDK clients and the connections.
    for (let i = 0; i < 100; i += 10) {
      await Promise.all(Array.from({ length: 10 }, (_, j) => post(agent, url, body(i + j, 'warmup'))));
    }

    const latencies: number[] = [];
    let next = 0;
    let accepted = 0;
    let failed = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (next < total && performance.now() - started < deadline) {
          const n = next++;
          const sent = performance.now();
          const status = await post(agent, url, body(n, 'measured')).catch(() => 0);
          latencies.push(performance.now() - sent);
          if (status === 202) accepted++;
          else failed++;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    if (accepted === 0) throw new Error('no sign-up was accepted');
    return {
      requests: latencies.length,
      clients,
      accepted,
      failed,
      seconds: round(seconds, 2),
      rps: round(latencies.length / seconds, 1),
      p50Ms: round(percentile(latencies, 50), 1),
      p90Ms: round(percentile(latencies, 90), 1),
      p99Ms: round(percentile(latencies, 99), 1),
      meanMs: round(mean(latencies), 1),
      maxMs: round(Math.max(...latencies), 1),
    };
  } finally {
    agent.destroy();
    await stack.close();
  }
}
