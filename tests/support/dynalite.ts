/**
 * dynalite for one test file: started before its tests, stopped after them. The emulator
 * itself lives in scripts/dev/dynalite.ts, which the benchmarks use too.
 */
import { afterAll, beforeAll } from 'vitest';
import {
  type DynamoClients,
  makeDynamoClients,
  type RunningDynalite,
  startDynalite,
} from '../../scripts/dev/dynalite.js';

/**
 * Starts dynalite before a test file's tests and stops it after them; the returned
 * object's `clients` and `endpoint` are ready inside every test and hook.
 */
export function useDynalite(): {
  readonly clients: DynamoClients;
  readonly endpoint: string;
  readonly port: number;
} {
  let running: RunningDynalite | undefined;
  let clients: DynamoClients | undefined;
  beforeAll(async () => {
    running = await startDynalite();
    clients = makeDynamoClients(running.endpoint);
  });
  afterAll(async () => {
    clients?.client.destroy();
    await running?.close();
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('dynalite is not running yet: use it inside tests or hooks');
    return value;
  };
  return {
    get clients() {
      return ready(clients);
    },
    get endpoint() {
      return ready(running).endpoint;
    },
    get port() {
      return ready(running).port;
    },
  };
}
