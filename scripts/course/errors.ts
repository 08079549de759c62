/**
 * Errors the course CLI maps to exit codes: a mistake on the command line is 2, a
 * person the course does not know or a stack it cannot reach is 1.
 */

/** The command line itself is wrong (unknown command or option, bad value). Exit code 2. */
export class UsageError extends Error {
  /** Name of the command whose usage to point at, when known. */
  readonly command: string | undefined;
  constructor(message: string, command?: string) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

/** The command could not do what was asked; the message says why. Exit code 1. */
export class CommandError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CommandError';
  }
}

/** The address or record asked for does not exist. Exit code 1. */
export class NotFoundError extends CommandError {
  constructor(message: string) {
    super(message);
    this.name = 'NotFoundError';
  }
}

/** The target stack could not be reached or is not what the CLI expects. Exit code 1. */
export class TargetError extends CommandError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TargetError';
  }
}
