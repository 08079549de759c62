/**
 * Domain errors of the course core. Handlers map them to responses; nothing here
 * knows about HTTP or AWS.
 */

/** An email was rendered with a missing, unknown or unusable variable. A programming error, never user input. */
export class TemplateVariableError extends Error {
  override readonly name = 'TemplateVariableError';
}

/** Why a link was refused: forged, altered, for another purpose or opt-in, or simply too old. */
export type InvalidLinkReason = 'invalid' | 'expired';

/**
 * A confirm or unsubscribe link that cannot be honoured. Pages answer `expired` with
 * "sign up again" and `invalid` with a neutral message that reveals nothing.
 */
export class InvalidLinkError extends Error {
  override readonly name = 'InvalidLinkError';
  constructor(readonly reason: InvalidLinkReason) {
    super(reason === 'expired' ? 'The link has expired' : 'The link is not valid');
  }
}

/** A subscriber status change the course rules do not allow (a programming error). */
export class InvalidTransitionError extends Error {
  override readonly name = 'InvalidTransitionError';
  constructor(
    readonly from: string,
    readonly to: string,
  ) {
    super(`A subscriber cannot go from ${from} to ${to}`);
  }
}
