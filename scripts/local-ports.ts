/**
 * Listening on the local stack's ports, with one clear message when a port is taken.
 */
import { once } from 'node:events';
import { type AddressInfo, createServer, type Server } from 'node:net';

/** A port of the local stack could not be opened. The message names the port and the variable to change. */
export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';

  constructor(
    readonly port: number,
    /** What wanted the port, e.g. "the DynamoDB emulator". */
    readonly service: string,
    /** The environment variable that moves it, e.g. DYNAMODB_PORT. */
    readonly envVar: string,
    options?: ErrorOptions,
  ) {
    super(
      `Port ${port} (${service}) is already in use. Stop whatever uses it, or pick another port: ${envVar}=${suggest(port)} npm start`,
      options,
    );
  }
}

function suggest(port: number): string {
  return String(port >= 65_000 ? port - 1000 : port + 10);
}

/** What a port is for, for the error message. */
export interface PortRole {
  readonly service: string;
  readonly envVar: string;
}

/**
 * Starts `server` listening; resolves to the port (useful with port 0). A taken port
 * (or one the user may not open) rejects with PortInUseError.
 */
export async function listen(server: Server, port: number, host: string, role: PortRole): Promise<number> {
  try {
    server.listen(port, host);
    await once(server, 'listening');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      throw new PortInUseError(port, role.service, role.envVar, { cause: error });
    }
    throw error;
  }
  return (server.address() as AddressInfo).port;
}

/**
 * Checks that a port can be opened right now, for servers that hide their listen errors
 * (the SES emulator's start function resolves either way). Port 0 always passes.
 */
export async function assertPortFree(port: number, host: string, role: PortRole): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await listen(probe, port, host, role);
  await new Promise((resolve) => probe.close(resolve));
}
