/**
 * A Mailer that keeps every email in memory instead of sending it. Tests can make the
 * next sends fail to exercise error paths.
 */
import type { Mailer, OutgoingEmail } from '../../functions/core/ports.js';

export class RecordingMailer implements Mailer {
  readonly sent: (OutgoingEmail & { messageId: string })[] = [];
  readonly #failures: Error[] = [];

  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    const failure = this.#failures.shift();
    if (failure) throw failure;
    const messageId = `message-${this.sent.length + 1}`;
    this.sent.push({ ...email, messageId });
    return { messageId };
  }

  /** Makes the next `send` calls throw these errors, one each, in order. */
  failNext(...errors: Error[]): void {
    this.#failures.push(...errors);
  }

  /** Emails sent to one address. */
  to(address: string): (OutgoingEmail & { messageId: string })[] {
    return this.sent.filter((e) => e.to === address);
  }
}
