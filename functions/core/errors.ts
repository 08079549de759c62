/**
 * Domain errors of the course core. Handlers map them to responses; nothing here
 * knows about HTTP or AWS.
 */

/** An email was rendered with a missing, unknown or unusable variable. A programming error, never user input. */
export class TemplateVariableError extends Error {
  override readonly name = 'TemplateVariableError';
}
