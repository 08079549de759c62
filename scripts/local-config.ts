/**
 * Names and ports the local stack (`npm start`) and the course CLI agree on, so
 * `npm run course -- stats` finds the table `npm start` created without any flags.
 */

/** DynamoDB table of the local stack (dynalite). */
export const LOCAL_TABLE_NAME = 'knee-course-local';

/** Region the local clients claim; the emulators accept any. */
export const LOCAL_REGION = 'local';

/** Credentials the emulators accept; never real ones. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

/** Default ports, each overridable through the environment variable of the same name. */
export const LOCAL_PORT_DEFAULTS = {
  /** dynalite */
  DYNAMODB_PORT: 8000,
  /** aws-ses-v2-local (its web inbox is at the same port) */
  INBOX_PORT: 8005,
} as const;

export interface LocalPorts {
  readonly dynamodb: number;
  readonly inbox: number;
}

/** Reads the local ports from the environment, falling back to the defaults. */
export function localPorts(env: NodeJS.ProcessEnv = process.env): LocalPorts {
  return {
    dynamodb: port(env, 'DYNAMODB_PORT'),
    inbox: port(env, 'INBOX_PORT'),
  };
}

/** Endpoints of the local emulators for the given ports. */
export function localEndpoints(ports: LocalPorts = localPorts()): { dynamodb: string; ses: string } {
  return {
    dynamodb: `http://localhost:${ports.dynamodb}`,
    ses: `http://localhost:${ports.inbox}`,
  };
}

function port(env: NodeJS.ProcessEnv, name: keyof typeof LOCAL_PORT_DEFAULTS): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return LOCAL_PORT_DEFAULTS[name];
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new Error(`${name} must be a port number (1-65535), got "${raw}"`);
  }
  return value;
}
