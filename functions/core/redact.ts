/**
 * The one place that keeps addresses out of log lines: SES and DynamoDB error messages
 * can quote a recipient, so every error is masked before it is logged.
 */

// An apostrophe may sit inside an address (o'brien@...), just not open one ('ann@...').
const addressLike = /[^\s@<>"'(),;:][^\s@<>"(),;:]*@[^\s@<>"'(),;:]+/g;

/** The text with anything shaped like an email address replaced by `[address]`. */
export function maskAddresses(text: string): string {
  return text.replace(addressLike, '[address]');
}

/** An error as log attributes: name and masked message, no stack, no cause. */
export function safeError(error: unknown): { name: string; message: string } {
  const e = error instanceof Error ? error : new Error(String(error));
  return { name: e.name, message: maskAddresses(e.message) };
}

/** An error as one masked, bounded string (`Name: message`) for a log attribute. */
export function describeError(error: unknown, max = 500): string {
  const { name, message } = safeError(error);
  return `${name}: ${message}`.slice(0, max);
}
